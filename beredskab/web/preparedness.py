"""The page behind the link in sign-off and contact verification emails: ``/p/{token}``.

Like ``/a/{token}``: GET and HEAD only show what would be confirmed (mail scanners follow
links); the POST from that page answers, once. The signed single-use token is the only
authentication.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response

from beredskab.i18n import Language
from beredskab.preparedness import answers
from beredskab.preparedness.answers import Refusal, RequestTokenError, TokenView
from beredskab.preparedness.requests import PLAN_PATH, SIGNOFF
from beredskab.report import plan as plan_view
from beredskab.report import plan_document
from beredskab.web.ack import HEADERS, MAX_TOKEN_CHARS, templates
from beredskab.web.texts import text

if TYPE_CHECKING:
    from beredskab.services import Services

router = APIRouter()

REFUSALS: dict[Refusal, tuple[int, str, str]] = {
    Refusal.INVALID: (400, "prep_invalid_title", "prep_invalid_text"),
    Refusal.UNKNOWN: (404, "prep_unknown_title", "prep_unknown_text"),
    Refusal.FOREIGN: (404, "prep_unknown_title", "prep_unknown_text"),
    Refusal.USED: (410, "prep_used_title", "prep_used_text"),
    Refusal.STALE: (410, "prep_stale_title", "prep_stale_text"),
}
"""Each refusal's status and the keys of its title and text (in Danish: the person behind a
refused link is not known)."""


def _app(request: Request) -> Services:
    app: Services = request.app.state.beredskab
    return app


def _page(request: Request, name: str, status: int, **context: Any) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status, headers=HEADERS)


def _refused(request: Request, refusal: Refusal) -> Response:
    status, title, body = REFUSALS[refusal]
    return _page(
        request, "ack_problem.html", status, title=text(title, "da"), text=text(body, "da")
    )


def _raw(app: Services, token: str) -> str:
    if len(token) > MAX_TOKEN_CHARS:
        raise RequestTokenError(Refusal.INVALID)
    return answers.unsign(app, token)


def _context(view: TokenView, token: str) -> dict[str, Any]:
    """The page's words in the language of the person asked."""
    person = view.person
    lang: Language = person.language
    common: dict[str, Any] = {
        "lang": lang,
        "to": text("prep_to", lang),
        "once": text("prep_once", lang),
        "plan_links": [],
    }
    if view.request.kind == SIGNOFF:
        return {
            **common,
            "title": text("prep_signoff_title", lang),
            "intro": text("prep_signoff_intro", lang),
            "details": [(text("prep_version", lang), view.request.round)],
            "button": text("prep_signoff_button", lang),
            "hint": text("prep_signoff_hint", lang),
            "plan_intro": text("prep_read_intro", lang),
            "plan_or": text("prep_read_or", lang),
            "plan_links": [
                (text("prep_read_pdf", lang), f"{token}/plan.pdf"),
                (text("prep_read_web", lang), PLAN_PATH),
            ],
        }
    none = text("prep_none", lang)
    return {
        **common,
        "title": text("prep_verify_title", lang),
        "intro": text("prep_verify_intro", lang),
        "details": [
            (text("prep_phone", lang), person.phone or none),
            (text("prep_email", lang), person.email or none),
        ],
        "button": text("prep_verify_button", lang),
        "hint": text("prep_verify_hint", lang),
    }


@router.api_route("/p/{token}", methods=["GET", "HEAD"], include_in_schema=False)
async def show(request: Request, token: str) -> Response:
    """What the link confirms; changes nothing."""
    app = _app(request)
    try:
        view = await answers.inspect_token(app=app, raw=_raw(app, token))
    except RequestTokenError as exc:
        return _refused(request, exc.refusal)
    return _page(
        request, "prep.html", 200, person=view.person, token=token, **_context(view, token)
    )


@router.api_route("/p/{token}/plan.pdf", methods=["GET", "HEAD"], include_in_schema=False)
async def plan_pdf(request: Request, token: str) -> Response:
    """The whole plan as PDF for the person asked to sign it (while the request is open)."""
    app = _app(request)
    try:
        view = await answers.inspect_token(app=app, raw=_raw(app, token))
    except RequestTokenError as exc:
        return _refused(request, exc.refusal)
    if view.request.kind != SIGNOFF:
        return _refused(request, Refusal.UNKNOWN)
    content = plan_document.render(plan_view.build(app.plan), plan_view.Format.PDF)
    return Response(content, media_type="application/pdf", headers=HEADERS)


@router.post("/p/{token}", include_in_schema=False)
async def submit(request: Request, token: str) -> Response:
    """Confirm once through the link."""
    app = _app(request)
    try:
        view, answered = await answers.answer_token(app=app, raw=_raw(app, token), via="email")
    except RequestTokenError as exc:
        return _refused(request, exc.refusal)
    return _page(
        request,
        "prep_done.html",
        200,
        title=text("prep_done", view.person.language),
        text=answers.thanks(answered, view.person),
        lang=view.person.language,
    )
