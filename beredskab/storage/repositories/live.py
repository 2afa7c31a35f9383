"""A cheap fingerprint of an incident's state, polled by the live incident page."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CompoundSelect, Select, String, cast, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.models import ConfirmationStatus
from beredskab.storage.tables import (
    communications,
    confirmations,
    deliveries,
    incidents,
    log_entries,
    steps,
    tasks,
)


@dataclass(frozen=True, slots=True)
class LiveState:
    """What the live page compares: an opaque version and the confirmation count."""

    version: str
    status: str
    confirmed: int
    total: int


def _by_status(part: str, table: Any, incident_id: int) -> Select[Any]:
    return (
        select(literal(part).label("part"), table.c.status.label("key"), func.count().label("n"))
        .where(table.c.incident_id == incident_id)
        .group_by(table.c.status)
    )


class LiveRepo:
    """One read of counts per state, so a poll never loads whole tables."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def state(self, incident_id: int) -> LiveState | None:
        """The incident's fingerprint; None if there is no such incident.

        Counts of confirmations, deliveries, steps, tasks and communications per status, the
        incident's status and playbook, and the number and newest of its log entries. Only
        counts: nothing here is the content of a sensitive entry.
        """
        head = select(
            literal("i").label("part"),
            incidents.c.status.concat(":").concat(incidents.c.playbook_id).label("key"),
            literal(1).label("n"),
        ).where(incidents.c.id == incident_id)
        log = select(
            literal("l").label("part"),
            cast(func.count(), String).label("key"),
            func.coalesce(func.max(log_entries.c.seq), 0).label("n"),
        ).where(log_entries.c.incident_id == incident_id)
        parts: CompoundSelect[Any] = union_all(
            head,
            log,
            *(
                _by_status(name, table, incident_id)
                for name, table in (
                    ("c", confirmations),
                    ("d", deliveries),
                    ("s", steps),
                    ("t", tasks),
                    ("m", communications),
                )
            ),
        )
        rows = sorted((str(p), str(k), int(n)) for p, k, n in await self._conn.execute(parts))
        status = next((k.split(":", 1)[0] for p, k, _ in rows if p == "i"), None)
        if status is None:
            return None
        counts = {k: n for p, k, n in rows if p == "c"}
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
        return LiveState(
            version=digest,
            status=status,
            confirmed=counts.get(ConfirmationStatus.CONFIRMED.value, 0),
            total=sum(counts.values()),
        )
