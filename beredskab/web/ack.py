"""The page behind the personal acknowledgement link in emails: ``/a/{token}``.

GET and HEAD only show what would be confirmed (mail scanners follow links); the POST from
that page answers, in one transaction (``incident.link_answers.answer``). The signed
single-use token is the POST's only authentication: no cookies, so no cross-site request can
borrow a session. Pages are Danish, mobile first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.templating import Jinja2Templates

from beredskab.delivery import links
from beredskab.delivery.links import LinkError, Problem
from beredskab.i18n import Language
from beredskab.inbound.link_batch import LinkAnswers
from beredskab.incident import link_answers
from beredskab.models import ConfirmationStatus
from beredskab.web.texts import text

if TYPE_CHECKING:
    from beredskab.services import Services

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.auto_reload = False  # the package's templates: no stat of the file per page

CONFIRM = "bekraeft"
DECLINE = "kan-ikke"
MAX_TOKEN_CHARS = 128
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}
PROBLEMS: dict[Problem, tuple[int, str, str]] = {
    Problem.INVALID: (400, "ack_invalid_title", "ack_invalid_text"),
    Problem.UNKNOWN: (404, "ack_unknown_title", "ack_unknown_text"),
    Problem.USED: (410, "ack_used_title", "ack_used_text"),
    Problem.EXPIRED: (410, "ack_expired_title", "ack_expired_text"),
    Problem.CLOSED: (410, "ack_closed_title", "ack_closed_text"),
    Problem.RETIRED: (410, "ack_retired_title", "ack_retired_text"),
}
"""Each problem's status and the keys of its title and text."""
LANGUAGE: Language = "da"
"""The link pages are Danish."""


def _app(request: Request) -> Services:
    app: Services = request.app.state.beredskab
    return app


def _answers(request: Request) -> LinkAnswers:
    answers: LinkAnswers = request.app.state.link_answers
    return answers


def _page(request: Request, name: str, status: int, **context: Any) -> Response:
    def tr(key: str, **values: object) -> str:
        return text(key, LANGUAGE, **values)

    return templates.TemplateResponse(
        request, name, {"tr": tr, **context}, status_code=status, headers=HEADERS
    )


def _problem(request: Request, problem: Problem) -> Response:
    status, title, body = PROBLEMS[problem]
    return _page(
        request,
        "ack_problem.html",
        status,
        title=text(title, LANGUAGE),
        text=text(body, LANGUAGE),
    )


def _checked(token: str) -> str:
    if len(token) > MAX_TOKEN_CHARS:
        raise LinkError(Problem.INVALID)
    return token


@router.api_route("/a/{token}", methods=["GET", "HEAD"], include_in_schema=False)
async def show(request: Request, token: str) -> Response:
    """What the link confirms, with the two answers; changes nothing."""
    app = _app(request)
    try:
        view = await link_answers.inspect(
            db=app.db,
            plan=app.plan,
            signer=app.signer,
            signed=_checked(token),
            hours=app.settings.security.link_hours,
        )
    except LinkError as exc:
        return _problem(request, exc.problem)
    return _page(
        request,
        "ack.html",
        200,
        incident=view.incident,
        person_name=view.person_name,
        token=token,
        confirm=CONFIRM,
        decline=DECLINE,
    )


@router.post("/a/{token}", include_in_schema=False)
async def submit(
    request: Request, token: str, svar: Annotated[str | None, Form()] = None
) -> Response:
    """Confirm or decline once through the link (several POSTs arriving together share a
    transaction: ``inbound.link_batch``)."""
    app = _app(request)
    try:
        signed = _checked(token)
        links.verified(app.signer, signed)  # a forged link is refused before the answer is read
        if svar not in (CONFIRM, DECLINE):
            return _page(
                request,
                "ack_problem.html",
                400,
                title=text("ack_choose_title", LANGUAGE),
                text=text("ack_choose_text", LANGUAGE),
            )
        answer = await _answers(request).answer(
            plan=app.plan,
            signer=app.signer,
            signed=signed,
            hours=app.settings.security.link_hours,
            decline=svar == DECLINE,
        )
    except LinkError as exc:
        return _problem(request, exc.problem)
    status = answer.result.confirmation.status
    name = answer.view.person_name
    if status is ConfirmationStatus.CONFIRMED and not answer.declined:
        title = text("ack_confirmed_title", LANGUAGE)
        body = text("ack_confirmed_text", LANGUAGE, name=name)
    elif status is ConfirmationStatus.CONFIRMED:
        title = text("ack_already_title", LANGUAGE)
        body = text("ack_already_text", LANGUAGE)
    else:
        title = text("ack_declined_title", LANGUAGE)
        body = text("ack_declined_text", LANGUAGE, name=name)
        deputy = app.plan.directory.person(answer.result.deputy) if answer.result.deputy else None
        if deputy is not None:
            body += " " + text("ack_deputy", LANGUAGE, deputy=deputy.name)
    return _page(
        request, "ack_done.html", 200, title=title, text=body, incident=answer.view.incident
    )
