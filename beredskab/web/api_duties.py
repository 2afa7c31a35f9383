"""The JSON API for the leader's duty checklist (the playbook's §3 duties):
``GET /api/v1/incidents/{id}/duties`` and ``POST /api/v1/incidents/{id}/duties/{duty_id}``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict

from beredskab.boundary import bounds
from beredskab.incident import duties, need_to_know
from beredskab.incident.lookup import require
from beredskab.web.api_common import (
    CHANNEL,
    COMMON,
    CONFLICT,
    NOT_FOUND,
    Caller,
    IncidentId,
    UseCaseErrors,
    app_of,
)

router = APIRouter(prefix="/api/v1", route_class=UseCaseErrors, responses=COMMON)

DutyId = Annotated[
    str,
    Path(
        max_length=64,
        pattern=bounds.NUL_FREE_PATTERN,
        description="The duty's id in the playbook",
        examples=["orientere-bestyrelsen"],
    ),
]


class DutyIn(BaseModel):
    """Tick (``done: true``) or untick (``done: false``) a duty."""

    model_config = ConfigDict(extra="forbid", strict=True)

    done: bool


class DutyOut(BaseModel):
    """A duty of the playbook and whether the leader has ticked it."""

    id: str
    role: str
    text: str
    kind: str
    source: str
    done: bool
    by: str | None
    at: datetime | None


class DutyChangeOut(BaseModel):
    """The duty after the call, and whether the call changed it (false: it already was)."""

    duty: DutyOut
    changed: bool


def _out(state: duties.DutyState) -> DutyOut:
    d, tick = state.duty, state.tick
    return DutyOut(
        id=d.id,
        role=d.role,
        text=d.text,
        kind=d.kind,
        source=d.source,
        done=state.done,
        by=tick.actor if tick else None,
        at=tick.at if tick else None,
    )


@router.get(
    "/incidents/{incident_id:id}/duties",
    response_model=list[DutyOut],
    summary="The leader's duty checklist",
    responses=NOT_FOUND,
)
async def list_duties(request: Request, caller: Caller, incident_id: IncidentId) -> list[DutyOut]:
    """The playbook's duties in plan order, each with whether (and by whom) it is ticked."""
    app = app_of(request)
    async with app.db.transaction() as tx:
        incident = await require(tx, incident_id)
        log = await tx.log.list(incident_id)
        see = await need_to_know.read_lens(
            tx, plan=app.plan, person=caller.person, incident=incident
        )
    playbook = app.plan.playbook(incident.playbook_id)
    found = [_out(s) for s in duties.checklist(playbook, log)]
    return [d.model_copy(update={"by": see.who(d.by)}) for d in found]  # need to know


@router.post(
    "/incidents/{incident_id:id}/duties/{duty_id}",
    response_model=DutyChangeOut,
    summary="Tick or untick a duty",
    responses={**NOT_FOUND, **CONFLICT},
)
async def set_duty(
    request: Request, caller: Caller, incident_id: IncidentId, duty_id: DutyId, body: DutyIn
) -> DutyChangeOut:
    """The leader ticks a duty as taken care of, or unticks it; each change is a log entry.
    Setting the state a duty already has changes nothing (``changed: false``)."""
    app = app_of(request)
    change = await duties.set_duty(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        duty_id=duty_id,
        done=body.done,
        actor_id=caller.person.id,
        channel=CHANNEL,
    )
    return DutyChangeOut(duty=_out(change.state), changed=change.changed)
