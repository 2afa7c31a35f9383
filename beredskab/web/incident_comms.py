"""Crisis communication on the incident page: draft, edit (the Danish text and each language
variant), approve, send, discard.

Plain form POSTs to ``/haendelse/{id}/kommunikation...`` over the ``communications`` use
cases, each redirecting back to the page's communication board with a notice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response

from beredskab import communications
from beredskab.web.incident_actions import Form, Who, act, back, field
from beredskab.web.incident_view import CHANNEL
from beredskab.web.session import app_of

router = APIRouter()

ANCHOR = "kommunikation"


@router.post("/haendelse/{incident_id:id}/kommunikation")
async def draft(request: Request, who: Who, form: Form, incident_id: int) -> Response:
    """Start a draft for the chosen audiences (one or more ``til``) from a template."""
    app = app_of(request)
    picked = form.getlist("til")[: len(communications.AUDIENCES)]
    audience = [v.strip()[:32] for v in picked if isinstance(v, str)]
    template = next(
        (t for t in communications.TEMPLATES if t.value == field(form, "skabelon", 64)), None
    )
    if not audience or any(a not in communications.AUDIENCES for a in audience):
        return back(incident_id, problem="missing_choice", anchor=ANCHOR)

    async def run() -> str:
        await communications.draft(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            actor_id=who.person.id,
            channel=CHANNEL,
            audience=audience,
            template=template,
        )
        return "comm_drafted"

    return await act(request, incident_id, ANCHOR, run)


@router.post("/haendelse/{incident_id:id}/kommunikation/{communication_id:id}/ret")
async def edit(
    request: Request, who: Who, form: Form, incident_id: int, communication_id: int
) -> Response:
    """Save the edited subject and text of a draft."""
    app = app_of(request)
    subject = field(form, "emne", communications.MAX_SUBJECT + 1)
    text = field(form, "tekst", communications.MAX_TEXT + 1)
    if not subject or not text:
        return back(incident_id, problem="empty_text", anchor=ANCHOR)

    async def run() -> str:
        await communications.edit(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            communication_id=communication_id,
            actor_id=who.person.id,
            channel=CHANNEL,
            subject=subject,
            text=text,
        )
        return "comm_saved"

    return await act(request, incident_id, ANCHOR, run)


@router.post("/haendelse/{incident_id:id}/kommunikation/{communication_id:id}/sprog/{language}")
async def edit_variant(
    request: Request,
    who: Who,
    form: Form,
    incident_id: int,
    communication_id: int,
    language: str,
) -> Response:
    """Save (or, empty, remove) a draft's variant in one language."""
    app = app_of(request)
    subject = field(form, "emne", communications.MAX_SUBJECT + 1)
    text = field(form, "tekst", communications.MAX_TEXT + 1)
    if bool(subject) != bool(text):
        return back(incident_id, problem="empty_text", anchor=ANCHOR)

    async def run() -> str:
        await communications.edit_variant(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            communication_id=communication_id,
            actor_id=who.person.id,
            channel=CHANNEL,
            language=language[:8],
            subject=subject,
            text=text,
        )
        return "comm_variant_saved"

    return await act(request, incident_id, ANCHOR, run)


STEPS: dict[str, tuple[Callable[..., Awaitable[object]], str]] = {
    "godkend": (communications.approve, "comm_approved"),
    "send": (communications.send, "comm_sent"),
    "kasser": (communications.discard, "comm_discarded"),
}
"""The steps that need nothing but the communication: approve (the leader only; anyone else is
refused and the attempt audited), send to its audience, set aside."""


@router.post("/haendelse/{incident_id:id}/kommunikation/{communication_id:id}/{step}")
async def advance(
    request: Request, who: Who, form: Form, incident_id: int, communication_id: int, step: str
) -> Response:
    """Approve, send or set aside a communication."""
    if step not in STEPS:
        return back(incident_id, problem="missing_choice", anchor=ANCHOR)
    use_case, notice = STEPS[step]
    app = app_of(request)

    async def run() -> str:
        await use_case(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            communication_id=communication_id,
            actor_id=who.person.id,
            channel=CHANNEL,
        )
        return notice

    return await act(request, incident_id, ANCHOR, run)
