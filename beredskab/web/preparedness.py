"""The page behind the link in sign-off and contact verification emails: ``/p/{token}``.

Like ``/a/{token}``: GET and HEAD only show what would be confirmed (mail scanners follow
links); the POST from that page answers, once. The signed single-use token is the only
authentication.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response

from beredskab.preparedness import answers
from beredskab.preparedness.answers import Refusal, RequestTokenError, TokenView
from beredskab.preparedness.requests import SIGNOFF
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


def _context(view: TokenView, app: App) -> dict[str, Any]:
    person = view.person
    if view.request.kind == SIGNOFF:
        return {
            "title": "Bekræft beredskabsplanen",
            "intro": "Jeg har læst beredskabsplanen og deltager i beredskabet som beskrevet.",
            "details": [("Planversion", view.request.round)],
            "button": "Jeg har læst planen og deltager",
            "hint": "Har du spørgsmål til planen, så kontakt projektchefen.",
        }
    return {
        "title": "Er dine kontaktoplysninger rigtige?",
        "intro": "Beredskabet skal kunne nå dig. Det er de oplysninger, vi har:",
        "details": [("Telefon", person.phone or "ingen"), ("E-mail", person.email or "ingen")],
        "button": "Oplysningerne er rigtige",
        "hint": "Er noget forkert eller mangler, så kontakt sekretariatet i stedet.",
    }


@router.api_route("/p/{token}", methods=["GET", "HEAD"], include_in_schema=False)
async def show(request: Request, token: str) -> Response:
    """What the link confirms; changes nothing."""
    app = _app(request)
    try:
        view = await answers.inspect_token(app=app, raw=_raw(app, token))
    except RequestTokenError as exc:
        return _refused(request, exc.refusal)
    return _page(request, "prep.html", 200, person=view.person, token=token, **_context(view, app))


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
        title="Tak — dit svar er registreret",
        text=answers.thanks(answered, view.person),
    )
