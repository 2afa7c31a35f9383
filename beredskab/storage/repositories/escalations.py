"""Escalation moments on confirmation rows (``incident.sweep``), a part of ``IncidentRepo``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.models import ConfirmationStatus
from beredskab.storage.tables import confirmations

EscalationStep = Literal["renotify", "deputy"]
"""The two escalation moments of a pending confirmation (``renotify_at``, ``deputy_at``)."""
_ID_BATCH = 500
"""Person ids per IN list, well under every driver's parameter limit."""


class EscalationQueries:
    """Set, claim and restore the escalation moments of pending confirmations."""

    _conn: AsyncConnection

    async def schedule_escalation(
        self,
        incident_id: int,
        person_ids: Sequence[str],
        *,
        renotify_at: datetime,
        deputy_at: datetime,
    ) -> None:
        """Set the escalation moments of people just asked to confirm (a few statements)."""
        ids = list(dict.fromkeys(person_ids))
        await self._update_people(
            incident_id, ids, {"renotify_at": renotify_at, "deputy_at": deputy_at}
        )

    async def claim_escalations(
        self, incident_id: int, *, step: EscalationStep, now: datetime, limit: int
    ) -> list[tuple[str, datetime]]:
        """Take up to ``limit`` pending people whose ``step`` moment has come, earliest first,
        and clear that moment in the caller's transaction: (person id, moment) each.

        On PostgreSQL the rows are locked and rows another transaction holds (an answer on
        its way) are skipped, so a sweep never waits for a transaction that waits for it.
        """
        column = confirmations.c.renotify_at if step == "renotify" else confirmations.c.deputy_at
        stmt = (
            select(confirmations.c.person_id, column)
            .where(
                confirmations.c.incident_id == incident_id,
                confirmations.c.status == ConfirmationStatus.PENDING.value,
                column <= now,
            )
            .order_by(column, confirmations.c.person_id)
            .limit(limit)
        )
        if self._conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        claimed = [(row[0], row[1]) for row in await self._conn.execute(stmt)]
        await self._update_people(
            incident_id, [person_id for person_id, _ in claimed], {column.key: None}
        )
        return claimed

    async def _update_people(
        self, incident_id: int, person_ids: Sequence[str], values: dict[str, object]
    ) -> None:
        """Set ``values`` on these people's confirmations, ``_ID_BATCH`` ids per statement."""
        for start in range(0, len(person_ids), _ID_BATCH):
            await self._conn.execute(
                update(confirmations)
                .where(
                    confirmations.c.incident_id == incident_id,
                    confirmations.c.person_id.in_(person_ids[start : start + _ID_BATCH]),
                )
                .values(values)
            )

    async def restore_escalation(
        self, incident_id: int, person_id: str, *, step: EscalationStep, at: datetime
    ) -> None:
        """Put back a claimed moment whose action failed, so a later sweep retries it."""
        key = "renotify_at" if step == "renotify" else "deputy_at"
        await self._conn.execute(
            update(confirmations)
            .where(
                confirmations.c.incident_id == incident_id, confirmations.c.person_id == person_id
            )
            .values({key: at})
        )

    async def next_escalation(self, incident_id: int) -> datetime | None:
        """The earliest escalation moment still ahead of a pending person, if any."""
        stmt = select(
            func.min(confirmations.c.renotify_at), func.min(confirmations.c.deputy_at)
        ).where(
            confirmations.c.incident_id == incident_id,
            confirmations.c.status == ConfirmationStatus.PENDING.value,
        )
        row = (await self._conn.execute(stmt)).one()
        moments = [m for m in (row[0], row[1]) if m is not None]
        return min(moments) if moments else None
