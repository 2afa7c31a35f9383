"""Reading an incident as a whole, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from beredskab.incident.lookup import require
from beredskab.incident.situation_log import ChainCheck, Head, verify
from beredskab.models import Confirmation, Delivery, Incident, LogEntry, Step, Task
from beredskab.storage import Database
from beredskab.storage.repositories.communications import Communication
from beredskab.storage.repositories.picture import PictureRevision


@dataclass(frozen=True)
class Overview:
    """Everything known about one incident."""

    incident: Incident
    confirmations: list[Confirmation]
    steps: list[Step]
    tasks: list[Task]
    log: list[LogEntry]
    deliveries: list[Delivery]
    chain: ChainCheck
    communications: list[Communication]
    picture: list[PictureRevision] = field(default_factory=list)
    """The situation picture's revisions, oldest first."""


async def overview(*, db: Database, incident_id: int, head: Head | None = None) -> Overview:
    """Read an incident with its confirmations, steps, tasks, log, deliveries and communications;
    the log's chain is checked with the database's key (and against ``head``, if given)."""
    async with db.transaction() as tx:
        incident = await require(tx, incident_id)
        log = await tx.log.list(incident_id)
        return Overview(
            incident=incident,
            confirmations=await tx.incidents.confirmations(incident_id),
            steps=await tx.steps.list(incident_id),
            tasks=await tx.tasks.list(incident_id),
            log=log,
            deliveries=await tx.deliveries.for_incident(incident_id),
            chain=verify(
                log,
                key=tx.log_key,
                head=head,
                seal=await tx.log.seal(incident_id),
                erasures=await tx.privacy.erasures(incident_id),
            ),
            communications=await tx.communications.list(incident_id),
            picture=await tx.picture.history(incident_id),
        )
