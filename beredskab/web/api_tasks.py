"""JSON API for tasks and the leader's work: list and change tasks, give a task, hand a task
on, convene a meeting.

The same use cases as the web page, Telegram, SMS and the CLI; the leader role is checked
(and a refusal audited) by the use case. Messages go out through the outbox, woken here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from beredskab.boundary.bounds import NUL_FREE_PATTERN
from beredskab.incident import chief_tasks, convene, need_to_know, tasks
from beredskab.incident.lookup import require
from beredskab.models import TaskStatus
from beredskab.web.api_common import (
    CHANNEL,
    COMMON,
    CONFLICT,
    NOT_FOUND,
    Caller,
    IncidentId,
    TaskNumber,
    UseCaseErrors,
    app_of,
    names,
)
from beredskab.web.api_schemas import TaskChangeOut, TaskIn, TaskOut

router = APIRouter(prefix="/api/v1", route_class=UseCaseErrors, responses=COMMON)

_NOT_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"
PersonId = Annotated[
    str,
    StringConstraints(max_length=64, pattern=_NOT_BLANK),
    AfterValidator(str.strip),
    Field(description="Directory person id, e.g. 'amira-hassan'"),
]
Due = Annotated[
    str,
    StringConstraints(max_length=20, pattern=NUL_FREE_PATTERN),
    Field(description="Minutes from now ('30') or a Danish clock time ('14:30')"),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class TaskCreateIn(_In):
    """A task the leader gives: to whom, what, and optionally by when."""

    assignee: PersonId
    text: Annotated[
        str,
        StringConstraints(max_length=chief_tasks.TASK_TEXT_CHARS, pattern=_NOT_BLANK),
        AfterValidator(str.strip),
    ]
    due: Due | None = None


class TaskReassignIn(_In):
    """Hand a task to another person."""

    to: PersonId


class ConveneIn(_In):
    """Convene one of the playbook's meetings (its id, e.g. 'tot' or 'lokalraad')."""

    meeting: Annotated[str, StringConstraints(max_length=64, pattern=_NOT_BLANK)]
    at: Due | None = Field(default=None, description="When; omitted means as soon as possible")


class ConvenedOut(BaseModel):
    """Who was asked to come, where and when."""

    meeting: str
    place: str
    when: str = Field(description="Danish local time as written in the message")
    people: list[str] = Field(description="Names of the people asked to confirm")
    queued: int = Field(description="Messages queued")


_TASK_ACTIONS = {
    "accept": TaskStatus.ACCEPTED,
    "done": TaskStatus.DONE,
    "decline": TaskStatus.DECLINED,
}


@router.get(
    "/incidents/{incident_id:id}/tasks",
    response_model=list[TaskOut],
    summary="Outreach tasks",
    responses=NOT_FOUND,
)
async def list_tasks(request: Request, caller: Caller, incident_id: IncidentId) -> list[TaskOut]:
    """The incident's outreach tasks: who contacts whom, and how it went."""
    app = app_of(request)
    async with app.db.transaction() as tx:
        incident = await require(tx, incident_id)
        found = await tx.tasks.list(incident_id)
        see = await need_to_know.read_lens(
            tx, plan=app.plan, person=caller.person, incident=incident
        )
    known = names(app)
    return [TaskOut.of(see.task(t), known) for t in found]


@router.post(
    "/incidents/{incident_id:id}/tasks/{task_id:id}",
    response_model=TaskChangeOut,
    summary="Accept, finish or decline a task",
    responses={**NOT_FOUND, **CONFLICT},
)
async def change_task(
    request: Request, caller: Caller, incident_id: IncidentId, task_id: TaskNumber, body: TaskIn
) -> TaskChangeOut:
    """The assignee (or the leader role) accepts, finishes with an outcome, or declines;
    a declined outreach task is offered to the next staff member (``offered_to``) and the
    leader is told at once."""
    app = app_of(request)
    result = await tasks.change(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        number=task_id,
        actor_id=caller.person.id,
        status=_TASK_ACTIONS[body.action],
        channel=CHANNEL,
        outcome=body.outcome,
    )
    app.outbox.wake()
    return TaskChangeOut(
        task=TaskOut.of(result.task, names(app)),
        changed=result.changed,
        offered_to=result.offered_to,
    )


@router.post(
    "/incidents/{incident_id:id}/tasks",
    status_code=201,
    response_model=TaskOut,
    summary="Give a task (leader)",
    responses={**NOT_FOUND, **CONFLICT},
)
async def create_task(
    request: Request, caller: Caller, incident_id: IncidentId, body: TaskCreateIn
) -> TaskOut:
    """The leader gives a participant or staff member a task with a text and optional due
    time; the assignee is notified on their channels and reminded before and at the due time."""
    app = app_of(request)
    task = await chief_tasks.create(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        actor_id=caller.person.id,
        assignee_id=body.assignee,
        text=body.text,
        channel=CHANNEL,
        due=body.due,
    )
    app.outbox.wake()
    return TaskOut.of(task, names(app))


@router.post(
    "/incidents/{incident_id:id}/tasks/{task_id:id}/reassign",
    response_model=TaskOut,
    summary="Hand a task to another person (leader)",
    responses={**NOT_FOUND, **CONFLICT},
)
async def reassign_task(
    request: Request,
    caller: Caller,
    incident_id: IncidentId,
    task_id: TaskNumber,
    body: TaskReassignIn,
) -> TaskOut:
    """The leader hands an open or declined task to someone else, who is told at once."""
    app = app_of(request)
    task = await tasks.reassign(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        number=task_id,
        actor_id=caller.person.id,
        to=body.to,
        channel=CHANNEL,
    )
    app.outbox.wake()
    return TaskOut.of(task, names(app))


@router.post(
    "/incidents/{incident_id:id}/convene",
    response_model=ConvenedOut,
    summary="Convene a meeting of the plan (leader)",
    responses={**NOT_FOUND, **CONFLICT},
)
async def convene_meeting(
    request: Request, caller: Caller, incident_id: IncidentId, body: ConveneIn
) -> ConvenedOut:
    """Notify the meeting's role (e.g. TOT, Lokalråd) with place and time; each member is
    asked to confirm and tracked like a participant."""
    app = app_of(request)
    done = await convene.convene(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        actor_id=caller.person.id,
        meeting_id=body.meeting,
        channel=CHANNEL,
        at=body.at,
    )
    app.outbox.wake()
    return ConvenedOut(
        meeting=done.meeting.meeting,
        place=done.meeting.place,
        when=done.when,
        people=list(done.people),
        queued=done.queued,
    )
