"""JSON API: correcting an open incident's facts (journal number, zone, description).

The same use case as SMS ``JOURNAL``, Telegram, the incident page and ``incident set``."""

from __future__ import annotations

from fastapi import APIRouter, Request

from beredskab.incident import facts
from beredskab.web.api_common import (
    CHANNEL,
    COMMON,
    NOT_FOUND,
    Caller,
    IncidentId,
    UseCaseErrors,
    app_of,
    problem,
)
from beredskab.web.api_schemas import FactsIn, FactsOut, IncidentOut

router = APIRouter(prefix="/api/v1", route_class=UseCaseErrors, responses=COMMON)


@router.patch(
    "/incidents/{incident_id:id}",
    response_model=FactsOut,
    summary="Correct an incident's facts",
    responses={
        **NOT_FOUND,
        **problem(409, "The incident is closed, or its playbook has no police case"),
    },
)
async def correct_facts(
    request: Request, caller: Caller, incident_id: IncidentId, body: FactsIn
) -> FactsOut:
    """Set or correct the police journal number, zone and description of an open incident.
    Each changed fact is a correction entry in the log, and audited; ``changed`` is empty when
    nothing differed. The leader role, the activator, the police liaison (the roles that may
    activate a playbook with a police case) and the secretariat may do this. A playbook
    without a police case refuses a journal number (409): upgrade it instead."""
    app = app_of(request)
    result = await facts.set_facts(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        actor_id=caller.person.id,
        channel=CHANNEL,
        police_case=body.police_case,
        zone=body.zone,
        description=body.description,
    )
    return FactsOut(
        incident=IncidentOut.model_validate(result.incident),
        changed=list(result.changed),
    )
