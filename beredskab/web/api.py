"""The JSON API under ``/api/v1`` for integrations (token auth).

Every call carries ``Authorization: Bearer <token>``; a token (``beredskab token create``)
acts as one directory person, whose roles decide what the call may do, through the same use
cases and checks as SMS, Telegram, the web pages and the CLI. Errors are ``{"detail": ...}``:
401 missing/unknown/revoked token, 403 refused by role (audited), 404 no such incident, step,
task or person (or an id out of range), 409 does not fit the current state, 413 body too large,
422 malformed request or a value out of bounds (too long, NUL). Messages the use
cases queue are delivered by the service's outbox workers, woken after each change.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from beredskab import report
from beredskab.i18n import t
from beredskab.incident import (
    acknowledgements,
    activation,
    need_to_know,
    situation_log,
    standdown,
    steps,
)
from beredskab.incident.lookup import require
from beredskab.models import EntryKind, IncidentStatus
from beredskab.web.api_common import (
    CHANNEL,
    COMMON,
    CONFLICT,
    NOT_FOUND,
    UNKNOWN_PLAYBOOK,
    Caller,
    IncidentId,
    IncludeSensitive,
    StepRef,
    UseCaseErrors,
    app_of,
    names,
    problem,
)
from beredskab.web.api_schemas import (
    AckIn,
    AckOut,
    ActivateIn,
    ActivationOut,
    CloseIn,
    ConfirmationOut,
    IncidentDetail,
    IncidentOut,
    LogEntryOut,
    LogIn,
    StandDownOut,
    StepIn,
    StepOut,
    TaskOut,
    UpgradeIn,
)

MAX_LISTED = 100

STATUS_FILTER = {"open": IncidentStatus.ACTIVE, "closed": IncidentStatus.CLOSED}

router = APIRouter(prefix="/api/v1", route_class=UseCaseErrors, responses=COMMON)


@router.get("/incidents", response_model=list[IncidentOut], summary="List incidents")
async def list_incidents(
    request: Request,
    caller: Caller,
    status: Annotated[
        Literal["open", "closed"] | None, Query(description="Only open or only closed")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED, description="How many, newest first")] = 20,
) -> list[IncidentOut]:
    """Open and recent incidents, newest first; drills have ``drill: true``."""
    app = app_of(request)
    async with app.db.transaction() as tx:
        found = await tx.incidents.recent(status=STATUS_FILTER.get(status or ""), limit=limit)
        seen = [  # the journal number and the activator: need to know
            (
                await need_to_know.read_lens(tx, plan=app.plan, person=caller.person, incident=i)
            ).incident(i)
            for i in found
        ]
    return [IncidentOut.model_validate(i) for i in seen]


@router.post(
    "/incidents",
    status_code=201,
    response_model=ActivationOut,
    summary="Activate a playbook",
    responses={
        200: {"model": ActivationOut, "description": "Joined the open incident"},
        **UNKNOWN_PLAYBOOK,
        **CONFLICT,
    },
)
async def activate(
    request: Request, response: Response, caller: Caller, body: ActivateIn
) -> ActivationOut:
    """Open an incident and notify every participant; if the playbook already has an open
    incident of the same kind (real or drill), the call joins it (200, ``joined: true``) as on
    every other channel. A real activation halts the open drill (``halted_drill``); a drill
    while a real incident is open is 409. Group 2 needs ``police_case`` or
    ``police_case_pending: true`` (409 otherwise); group 1 refuses a ``police_case`` (409)."""
    app = app_of(request)
    result = await activation.activate(
        db=app.db,
        plan=app.plan,
        playbook=body.playbook,
        actor_id=caller.person.id,
        channel=CHANNEL,
        description=body.description,
        zone=body.zone,
        police_case=body.police_case,
        police_case_pending=body.police_case_pending,
        drill=body.drill,
    )
    if result.joined:
        response.status_code = 200
    return _activation_out(result, activation.summary(result))


def _activation_out(result: activation.ActivationResult, message: str) -> ActivationOut:
    return ActivationOut(
        incident=IncidentOut.model_validate(result.incident),
        joined=result.joined,
        participants=result.participants,
        messages=result.messages,
        pending_participants=result.pending,
        halted_drill=result.halted.id if result.halted else None,
        police_case_missing=result.police_case_missing,
        asked=list(result.asked),
        message=message,
    )


@router.get(
    "/incidents/{incident_id:id}",
    response_model=IncidentDetail,
    summary="One incident",
    responses=NOT_FOUND,
)
async def get_incident(request: Request, caller: Caller, incident_id: IncidentId) -> IncidentDetail:
    """The incident with its confirmations, steps and tasks."""
    app = app_of(request)
    async with app.db.transaction() as tx:
        incident = await require(tx, incident_id)
        confirmations = await tx.incidents.confirmations(incident_id)
        incident_steps = await tx.steps.list(incident_id)
        incident_tasks = await tx.tasks.list(incident_id)
    known = names(app)
    see = need_to_know.lens(
        app.plan, caller.person, incident, confirmations=confirmations, tasks=incident_tasks
    )
    return IncidentDetail(
        incident=IncidentOut.model_validate(see.incident(incident)),
        confirmations=[ConfirmationOut.of(see.confirmation(c), known) for c in confirmations],
        steps=[StepOut.model_validate(see.step(s)) for s in incident_steps],
        tasks=[TaskOut.of(see.task(t), known) for t in incident_tasks],
    )


@router.post(
    "/incidents/{incident_id:id}/close",
    response_model=StandDownOut,
    summary="Stand down",
    responses={**NOT_FOUND, **CONFLICT},
)
async def close(
    request: Request, caller: Caller, incident_id: IncidentId, body: CloseIn | None = None
) -> StandDownOut:
    """Close the incident and tell everyone who was notified; unsent alerts expire."""
    app = app_of(request)
    result = await standdown.close(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        actor_id=caller.person.id,
        channel=CHANNEL,
        note=body.note if body else "",
    )
    app.outbox.wake()
    return StandDownOut(
        incident=IncidentOut.model_validate(result.incident),
        messages=result.messages,
        expired=result.expired,
    )


@router.post(
    "/incidents/{incident_id:id}/upgrade",
    response_model=ActivationOut,
    summary="Upgrade to another playbook",
    responses={**NOT_FOUND, **CONFLICT},
)
async def upgrade(
    request: Request, caller: Caller, incident_id: IncidentId, body: UpgradeIn
) -> ActivationOut:
    """Move the open incident to another playbook (group 1 → 2 when a police case appears);
    new participants are notified and the new playbook's extra steps are added."""
    app = app_of(request)
    result = await activation.upgrade(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        to_playbook=body.playbook,
        actor_id=caller.person.id,
        channel=CHANNEL,
        police_case=body.police_case,
        police_case_pending=body.police_case_pending,
    )
    app.outbox.wake()
    i = result.incident
    return _activation_out(
        result, t("upgraded", nr=i.id, gruppe=i.playbook_name, participants=result.participants)
    )


@router.get(
    "/incidents/{incident_id:id}/confirmations",
    response_model=list[ConfirmationOut],
    summary="Who confirmed",
    responses=NOT_FOUND,
)
async def list_confirmations(
    request: Request, caller: Caller, incident_id: IncidentId
) -> list[ConfirmationOut]:
    """Everyone asked to confirm, with their answer and the channel it came through."""
    app = app_of(request)
    async with app.db.transaction() as tx:
        incident = await require(tx, incident_id)
        rows = await tx.incidents.confirmations(incident_id)
        see = await need_to_know.read_lens(
            tx, plan=app.plan, person=caller.person, incident=incident
        )
    known = names(app)
    return [ConfirmationOut.of(see.confirmation(c), known) for c in rows]


@router.post(
    "/incidents/{incident_id:id}/confirmations",
    response_model=AckOut,
    summary="Confirm or decline",
    responses={**problem(404, "No such incident, or the caller was not asked"), **CONFLICT},
)
async def confirm(
    request: Request, caller: Caller, incident_id: IncidentId, body: AckIn | None = None
) -> AckOut:
    """The token's person confirms (or declines, which asks their deputy); idempotent."""
    app = app_of(request)
    result = await acknowledgements.record(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        person_id=caller.person.id,
        via=CHANNEL,
        decline=body is not None and body.answer == "decline",
    )
    app.outbox.wake()
    return AckOut(
        confirmation=ConfirmationOut.of(result.confirmation, names(app)),
        changed=result.changed,
        deputy=result.deputy,
    )


@router.get(
    "/incidents/{incident_id:id}/log",
    response_model=list[LogEntryOut],
    summary="The situation log",
    responses=NOT_FOUND,
)
async def read_log(
    request: Request,
    caller: Caller,
    incident_id: IncidentId,
    include_sensitive: IncludeSensitive = False,
) -> list[LogEntryOut]:
    """Every entry, oldest first. Sensitive entries are withheld unless the caller asks for
    them and may read them (``report.authorise_sensitive``: the same rule and audit as the
    report on every interface); a refusal is 403 and audited too."""
    app = app_of(request)
    async with app.db.transaction() as tx:
        incident = await require(tx, incident_id)
        entries = await tx.log.list(incident_id)
        see = await need_to_know.read_lens(
            tx, plan=app.plan, person=caller.person, incident=incident
        )
    if include_sensitive:
        await report.authorise_sensitive(
            db=app.db,
            plan=app.plan,
            incident=incident,
            actor_id=caller.person.id,
            channel=CHANNEL,
            detail=f"API log with {sum(e.sensitive for e in entries)} sensitive entries "
            f"(token {caller.token.id} '{caller.token.name}')",
        )
    return [LogEntryOut.of(see.entry(e), reveal=include_sensitive) for e in entries]


@router.post(
    "/incidents/{incident_id:id}/log",
    status_code=201,
    response_model=LogEntryOut,
    summary="Add to the situation log",
    responses=NOT_FOUND,
)
async def add_log(
    request: Request, caller: Caller, incident_id: IncidentId, body: LogIn
) -> LogEntryOut:
    """A note, decision, media observation or correction; participants, assignees, the
    leader role and the secretariat may write."""
    app = app_of(request)
    entry = await situation_log.add_entry(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        actor_id=caller.person.id,
        text=body.text,
        channel=CHANNEL,
        kind=EntryKind(body.kind),
        sensitive=body.sensitive,
        corrects=body.corrects,
    )
    return LogEntryOut.of(entry, reveal=True)


@router.get(
    "/incidents/{incident_id:id}/steps",
    response_model=list[StepOut],
    summary="The plan's steps",
    responses=NOT_FOUND,
)
async def list_steps(request: Request, caller: Caller, incident_id: IncidentId) -> list[StepOut]:
    """The incident's steps in order, with who finished them."""
    app = app_of(request)
    async with app.db.transaction() as tx:
        incident = await require(tx, incident_id)
        see = await need_to_know.read_lens(
            tx, plan=app.plan, person=caller.person, incident=incident
        )
        return [StepOut.model_validate(see.step(s)) for s in await tx.steps.list(incident_id)]


@router.post(
    "/incidents/{incident_id:id}/steps/{step_id}",
    response_model=StepOut,
    summary="Finish a step",
    responses={**NOT_FOUND, **CONFLICT},
)
async def finish_step(
    request: Request, caller: Caller, incident_id: IncidentId, step_id: StepRef, body: StepIn
) -> StepOut:
    """Mark a step (by position or id) done or skipped; the next step becomes active.
    The step's owner role or the leader role may do this."""
    app = app_of(request)
    step = await steps.finish(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        step_ref=step_id,
        actor_id=caller.person.id,
        channel=CHANNEL,
        note=body.note,
        skip=body.action == "skip",
    )
    app.outbox.wake()
    return StepOut.model_validate(step)
