"""The page behind the personal acknowledgement link in emails: ``/a/{token}``.

GET and HEAD only show what would be confirmed (mail scanners follow links); the POST from
that page answers, in one transaction (``links.answer``). The signed single-use token is the
POST's only authentication: no cookies, so no cross-site request can borrow a session. Pages
are Danish, mobile first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.templating import Jinja2Templates

from beredskab import links
from beredskab.links import LinkError, Problem
from beredskab.models import ConfirmationStatus

if TYPE_CHECKING:
    from beredskab.app import App

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

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
ELSEWHERE = "Svar OK på SMS'en eller tryk Modtaget i Telegram i stedet."
PROBLEMS: dict[Problem, tuple[int, str, str]] = {
    Problem.INVALID: (
        400,
        "Linket er ugyldigt",
        "Linket er ændret eller klippet over undervejs. Åbn det igen direkte fra mailen. "
        + ELSEWHERE,
    ),
    Problem.UNKNOWN: (
        404,
        "Linket findes ikke",
        "Vi kender ikke dette link, eller det hører ikke til en besked, der beder om svar. "
        + ELSEWHERE,
    ),
    Problem.USED: (
        410,
        "Linket er allerede brugt",
        "Dit svar er allerede registreret, og linket virker kun én gang. "
        "Vil du ændre dit svar, så kontakt projektlederen.",
    ),
    Problem.EXPIRED: (410, "Linket er udløbet", "Linket er for gammelt. " + ELSEWHERE),
    Problem.CLOSED: (
        410,
        "Hændelsen er afsluttet",
        "Der er meldt afblæsning, så der skal ikke længere svares på denne besked.",
    ),
    Problem.RETIRED: (
        410,
        "Linket er ikke længere gyldigt",
        "Linket er lavet med en nøgle, som er skiftet ud af sikkerhedshensyn. " + ELSEWHERE,
    ),
}


def _app(request: Request) -> App:
    app: App = request.app.state.beredskab
    return app


def _page(request: Request, name: str, status: int, **context: Any) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status, headers=HEADERS)


def _problem(request: Request, problem: Problem) -> Response:
    status, title, text = PROBLEMS[problem]
    return _page(request, "ack_problem.html", status, title=title, text=text)


def _checked(token: str) -> str:
    if len(token) > MAX_TOKEN_CHARS:
        raise LinkError(Problem.INVALID)
    return token


@router.api_route("/a/{token}", methods=["GET", "HEAD"], include_in_schema=False)
async def show(request: Request, token: str) -> Response:
    """What the link confirms, with the two answers; changes nothing."""
    app = _app(request)
    try:
        view = await links.inspect(
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
    """Confirm or decline once through the link."""
    app = _app(request)
    try:
        signed = _checked(token)
        links.verified(app.signer, signed)  # a forged link is refused before the answer is read
        if svar not in (CONFIRM, DECLINE):
            return _page(
                request,
                "ack_problem.html",
                400,
                title="Vælg et svar",
                text="Gå tilbage og tryk Bekræft eller Kan ikke deltage.",
            )
        answer = await links.answer(
            db=app.db,
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
        title, text = "Tak — du har bekræftet", f"{name}, dit svar er registreret. Tak."
    elif status is ConfirmationStatus.CONFIRMED:
        title = "Du har allerede bekræftet"
        text = (
            "Du havde allerede bekræftet. Kan du alligevel ikke deltage, "
            "så ring til projektlederen."
        )
    else:
        title = "Du er meldt fra"
        text = f"{name}, vi har noteret, at du ikke kan deltage."
        deputy = app.plan.directory.person(answer.result.deputy) if answer.result.deputy else None
        if deputy is not None:
            text += f" Din stedfortræder, {deputy.name}, er bedt om at træde til."
    return _page(
        request, "ack_done.html", 200, title=title, text=text, incident=answer.view.incident
    )
