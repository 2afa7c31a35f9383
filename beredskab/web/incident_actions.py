"""What people do on the incident page: plain form POSTs that call the use cases.

Every action redirects back to the page (303) with a notice key, so the page works without
JavaScript. Refusals are audited by the use cases themselves. Upgrading and standing down,
which ask "are you sure?" on a page of their own first, are ``incident_lifecycle``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from beredskab.boundary import bounds
from beredskab.boundary.bounds import InputRefusedError
from beredskab.errors import InvalidStateError, NotAuthorisedError, NotFoundError
from beredskab.incident import (
    acknowledgements,
    chief_tasks,
    convene,
    facts,
    situation_log,
    steps,
    tasks,
)
from beredskab.models import EntryKind, TaskStatus
from beredskab.web.incident_view import CHANNEL
from beredskab.web.session import Viewer, app_of, checked_form, viewer

router = APIRouter()

MAX_TEXT = 2000
MAX_NOTE = 500
MAX_POLICE_CASE = 64
LOG_KINDS = (EntryKind.NOTE, EntryKind.DECISION, EntryKind.MEDIA, EntryKind.CORRECTION)
TASK_ACTIONS = {
    "accept": (TaskStatus.ACCEPTED, "task_accepted"),
    "done": (TaskStatus.DONE, "task_done"),
    "decline": (TaskStatus.DECLINED, "task_declined"),
}

Form = Annotated[FormData, Depends(checked_form)]
Who = Annotated[Viewer, Depends(viewer)]


def field(form: FormData, name: str, limit: int) -> str:
    """A text field of the form, trimmed and cut to ``limit`` ('' when missing)."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def back(incident_id: int, *, ok: str = "", problem: str = "", anchor: str = "") -> Response:
    """Back to the incident page with a notice (303, so a reload does not post again)."""
    query = f"?ok={ok}" if ok else f"?fejl={problem}" if problem else ""
    target = f"/haendelse/{incident_id}{query}{'#' + anchor if anchor else ''}"
    return RedirectResponse(target, status_code=303)


async def act(
    request: Request,
    incident_id: int,
    anchor: str,
    action: Callable[[], Awaitable[str]],
    *,
    refused_input: str = "refused_input",
) -> Response:
    """Run a use case; back to the page with its notice, or with what went wrong."""
    try:
        notice = await action()
    except InputRefusedError:
        return back(incident_id, problem=refused_input, anchor=anchor)
    except NotAuthorisedError:
        return back(incident_id, problem="refused_action", anchor=anchor)
    except InvalidStateError:
        return back(incident_id, problem="not_possible", anchor=anchor)
    except NotFoundError:
        return back(incident_id, problem="missing_item", anchor=anchor)
    if notice.startswith("!"):  # the use case said no in a way the page explains
        return back(incident_id, problem=notice[1:], anchor=anchor)
    app_of(request).outbox.wake()
    return back(incident_id, ok=notice, anchor=anchor)


@router.post("/haendelse/{incident_id:id}/bekraeft")
async def confirm(request: Request, who: Who, form: Form, incident_id: int) -> Response:
    """The viewer confirms (or cannot take part) for themselves."""
    app = app_of(request)
    decline = field(form, "svar", 8) == "nej"

    async def run() -> str:
        await acknowledgements.record(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            person_id=who.person.id,
            via=CHANNEL,
            decline=decline,
        )
        return "declined_ack" if decline else "acked"

    return await act(request, incident_id, "bekraeftelser", run)


@router.post("/haendelse/{incident_id:id}/trin/{position:id}")
async def finish_step(
    request: Request, who: Who, form: Form, incident_id: int, position: int
) -> Response:
    """Mark a step done (or skipped) with a note."""
    app = app_of(request)
    skip = field(form, "skip", 4) == "1"
    note = field(form, "note", MAX_NOTE) or None

    async def run() -> str:
        await steps.finish(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            step_ref=str(position),
            actor_id=who.person.id,
            channel=CHANNEL,
            note=note,
            skip=skip,
        )
        return "step_skipped" if skip else "step_done"

    return await act(request, incident_id, "trin", run)


@router.post("/haendelse/{incident_id:id}/opgave/{number:id}")
async def change_task(
    request: Request, who: Who, form: Form, incident_id: int, number: int
) -> Response:
    """Accept, finish (with outcome) or decline an outreach task."""
    app = app_of(request)
    chosen = TASK_ACTIONS.get(field(form, "handling", 16))
    if chosen is None:
        return back(incident_id, problem="missing_choice", anchor="opgaver")
    status, notice = chosen
    outcome = field(form, "resultat", MAX_NOTE) or None

    async def run() -> str:
        result = await tasks.change(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            number=number,
            actor_id=who.person.id,
            status=status,
            channel=CHANNEL,
            outcome=outcome,
        )
        return f"{notice}_offered" if result.offered_to else notice

    return await act(request, incident_id, "opgaver", run, refused_input="outcome_needed")


@router.post("/haendelse/{incident_id:id}/opgave/{number:id}/videre")
async def reassign_task(
    request: Request, who: Who, form: Form, incident_id: int, number: int
) -> Response:
    """The leader hands a task to another staff member."""
    app = app_of(request)
    to = field(form, "til", 64)
    if not to:
        return back(incident_id, problem="missing_choice", anchor="opgaver")

    async def run() -> str:
        await tasks.reassign(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            number=number,
            actor_id=who.person.id,
            to=to,
            channel=CHANNEL,
        )
        return "task_reassigned"

    return await act(request, incident_id, "opgaver", run)


@router.post("/haendelse/{incident_id:id}/opgave")
async def give_task(request: Request, who: Who, form: Form, incident_id: int) -> Response:
    """The leader gives a participant or staff member a task (text, optional due time)."""
    app = app_of(request)
    to, text = field(form, "til", 64), field(form, "tekst", chief_tasks.TASK_TEXT_CHARS)
    if not to:
        return back(incident_id, problem="missing_choice", anchor="opgaver")
    if not text:
        return back(incident_id, problem="empty_text", anchor="opgaver")
    due = field(form, "frist", 20) or None

    async def run() -> str:
        await chief_tasks.create(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            actor_id=who.person.id,
            assignee_id=to,
            text=text,
            channel=CHANNEL,
            due=due,
        )
        return "task_given"

    return await act(request, incident_id, "opgaver", run)


@router.post("/haendelse/{incident_id:id}/indkald")
async def convene_meeting(request: Request, who: Who, form: Form, incident_id: int) -> Response:
    """The leader convenes one of the plan's meetings (TOT, Lokalråd)."""
    app = app_of(request)
    meeting = field(form, "moede", 64)
    if not meeting:
        return back(incident_id, problem="missing_choice", anchor="indkald")
    at = field(form, "tid", 20) or None

    async def run() -> str:
        await convene.convene(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            actor_id=who.person.id,
            meeting_id=meeting,
            channel=CHANNEL,
            at=at,
        )
        return "convened"

    return await act(request, incident_id, "indkald", run)


@router.post("/haendelse/{incident_id:id}/log")
async def add_note(request: Request, who: Who, form: Form, incident_id: int) -> Response:
    """Add a note, decision, media observation or correction (of entry ``retter``),
    optionally sensitive."""
    app = app_of(request)
    text = field(form, "tekst", MAX_TEXT)
    kind = next((k for k in LOG_KINDS if k.value == field(form, "slags", 16)), EntryKind.NOTE)
    sensitive = field(form, "fortrolig", 4) == "1"
    corrects = field(form, "retter", 12).lstrip("#")
    if not text:
        return back(incident_id, problem="empty_text", anchor="ny-post")
    if corrects and not corrects.isdecimal():
        return back(incident_id, problem="bad_entry_number", anchor="ny-post")

    async def run() -> str:
        try:
            await situation_log.add_entry(
                db=app.db,
                plan=app.plan,
                incident_id=incident_id,
                actor_id=who.person.id,
                text=text,
                channel=CHANNEL,
                kind=kind,
                sensitive=sensitive,
                corrects=int(corrects) if corrects else None,
            )
        except situation_log.UncitedCorrectionError:
            return "!uncited_correction"
        return "note_added"

    return await act(request, incident_id, "log", run)


@router.post("/haendelse/{incident_id:id}/oplysninger")
async def correct_facts(request: Request, who: Who, form: Form, incident_id: int) -> Response:
    """Correct the police journal number, zone and description (what differs is changed)."""
    app = app_of(request)
    police_case = field(form, "journalnr", MAX_POLICE_CASE) or None
    zone_text = field(form, "zone", 4)
    description = field(form, "beskrivelse", bounds.STORED_TEXT_CHARS) or None
    zone = bounds.parse_id(zone_text) if zone_text else None
    if zone_text and zone is None:
        return back(incident_id, problem="bad_zone", anchor="oplysninger")

    async def run() -> str:
        try:
            result = await facts.set_facts(
                db=app.db,
                plan=app.plan,
                incident_id=incident_id,
                actor_id=who.person.id,
                channel=CHANNEL,
                police_case=police_case,
                zone=zone,
                description=description,
            )
        except facts.NoPoliceCaseError:
            return "!no_police_case"
        except InputRefusedError:
            return "!bad_facts"
        return "facts_changed" if result.changed else "facts_unchanged"

    return await act(request, incident_id, "oplysninger", run)
