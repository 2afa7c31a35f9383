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

if TYPE_CHECKING:
    from beredskab.app import App

router = APIRouter()

ELSEWHERE = "Du kan også svare JA på SMS'en eller trykke Bekræft i Telegram."
REFUSALS: dict[Refusal, tuple[int, str, str]] = {
    Refusal.INVALID: (
        400,
        "Linket er ugyldigt",
        "Linket er ændret eller klippet over undervejs. Åbn det igen direkte fra mailen. "
        + ELSEWHERE,
    ),
    Refusal.UNKNOWN: (404, "Linket findes ikke", "Vi kender ikke dette link. " + ELSEWHERE),
    Refusal.FOREIGN: (404, "Linket findes ikke", "Vi kender ikke dette link. " + ELSEWHERE),
    Refusal.USED: (410, "Allerede registreret", "Dit svar er allerede registreret. Tak."),
    Refusal.STALE: (
        410,
        "Linket er forældet",
        "Planen er ændret, eller kontrollen er afsluttet. Du får en ny besked, hvis vi har "
        "brug for dit svar.",
    ),
}


def _app(request: Request) -> App:
    app: App = request.app.state.beredskab
    return app


def _page(request: Request, name: str, status: int, **context: Any) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status, headers=HEADERS)


def _refused(request: Request, refusal: Refusal) -> Response:
    status, title, text = REFUSALS[refusal]
    return _page(request, "ack_problem.html", status, title=title, text=text)


def _raw(app: App, token: str) -> str:
    if len(token) > MAX_TOKEN_CHARS:
        raise RequestTokenError(Refusal.INVALID)
    return answers.unsign(app, token)


_PAGE: dict[str, dict[Language, str]] = {
    "signoff_title": {"da": "Bekræft beredskabsplanen", "en": "Confirm the preparedness plan"},
    "signoff_intro": {
        "da": "Jeg har læst beredskabsplanen og deltager i beredskabet som beskrevet.",
        "en": "I have read the preparedness plan and take part as it describes.",
    },
    "version": {"da": "Planversion", "en": "Plan version"},
    "read_intro": {
        "da": "Læs planen, før du bekræfter:",
        "en": "Read the plan before you confirm:",
    },
    "read_or": {"da": "eller", "en": "or"},
    "read_pdf": {"da": "hele planen som PDF", "en": "the whole plan as PDF (Danish)"},
    "read_web": {
        "da": "planen på siden (log ind)",
        "en": "the plan on the web (sign in)",
    },
    "signoff_button": {
        "da": "Jeg har læst planen og deltager",
        "en": "I have read the plan and take part",
    },
    "signoff_hint": {
        "da": "Har du spørgsmål til planen, så kontakt projektchefen.",
        "en": "If you have questions about the plan, contact the project chief.",
    },
    "verify_title": {
        "da": "Er dine kontaktoplysninger rigtige?",
        "en": "Are your contact details right?",
    },
    "verify_intro": {
        "da": "Beredskabet skal kunne nå dig. Det er de oplysninger, vi har:",
        "en": "The emergency team must be able to reach you. These are the details we have:",
    },
    "phone": {"da": "Telefon", "en": "Phone"},
    "email": {"da": "E-mail", "en": "Email"},
    "none": {"da": "ingen", "en": "none"},
    "verify_button": {"da": "Oplysningerne er rigtige", "en": "The details are right"},
    "verify_hint": {
        "da": "Er noget forkert eller mangler, så kontakt sekretariatet i stedet.",
        "en": "If anything is wrong or missing, contact the secretariat instead.",
    },
    "to": {"da": "Til", "en": "To"},
    "once": {"da": "Linket virker én gang.", "en": "The link works once."},
    "done": {"da": "Tak — dit svar er registreret", "en": "Thank you — your answer is recorded"},
}


def _context(view: TokenView, token: str) -> dict[str, Any]:
    """The page's words in the language of the person asked."""
    person = view.person
    lang: Language = person.language

    def w(key: str) -> str:
        return _PAGE[key][lang]

    common: dict[str, Any] = {"lang": lang, "to": w("to"), "once": w("once"), "plan_links": []}
    if view.request.kind == SIGNOFF:
        return {
            **common,
            "title": w("signoff_title"),
            "intro": w("signoff_intro"),
            "details": [(w("version"), view.request.round)],
            "button": w("signoff_button"),
            "hint": w("signoff_hint"),
            "plan_intro": w("read_intro"),
            "plan_or": w("read_or"),
            "plan_links": [
                (w("read_pdf"), f"{token}/plan.pdf"),
                (w("read_web"), PLAN_PATH),
            ],
        }
    return {
        **common,
        "title": w("verify_title"),
        "intro": w("verify_intro"),
        "details": [
            (w("phone"), person.phone or w("none")),
            (w("email"), person.email or w("none")),
        ],
        "button": w("verify_button"),
        "hint": w("verify_hint"),
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
        title=_PAGE["done"][view.person.language],
        text=answers.thanks(answered, view.person),
        lang=view.person.language,
    )
