"""Reading incidents: lookups shared by the use cases and the views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from beredskab.boundary import bounds
from beredskab.errors import InvalidStateError, NotFoundError
from beredskab.models import Incident, IncidentStatus
from beredskab.storage import Tx

if TYPE_CHECKING:
    from beredskab.plan import Plan
    from playbooks.schema import Playbook


async def require(tx: Tx, incident_id: int) -> Incident:
    """The incident, or a clear error if there is none with that number."""
    # an id out of range names no row (and would overflow an INTEGER on PostgreSQL)
    incident = await tx.incidents.get(incident_id) if bounds.valid_id(incident_id) else None
    if incident is None:
        raise NotFoundError(
            "there is no incident number {nr}; see `beredskab status`", nr=incident_id
        )
    return incident


async def require_open(tx: Tx, incident_id: int) -> Incident:
    """The incident if it is still active."""
    incident = await require(tx, incident_id)
    if incident.status is not IncidentStatus.ACTIVE:
        raise InvalidStateError("incident {nr} is closed; nothing can be changed", nr=incident_id)
    return incident


def playbook_of(plan: Plan, incident: Incident) -> Playbook:
    """The playbook the incident runs, or a clear error if the plan no longer has it."""
    playbook = plan.playbook(incident.playbook_id)
    if playbook is None:
        raise NotFoundError(
            "playbook {playbook} is no longer in the plan", playbook=incident.playbook_id
        )
    return playbook
