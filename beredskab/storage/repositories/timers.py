"""Durable timers: rows with a due time, claimed once by whoever fires them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.storage.signals import TIMERS
from beredskab.storage.tables import timers


@dataclass(frozen=True, slots=True)
class Timer:
    """One scheduled action."""

    id: int
    kind: str
    incident_id: int
    person_id: str | None
    ref: int | None
    due_at: datetime
    created_at: datetime
    fired_at: datetime | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class NewTimer:
    """A timer to schedule."""

    kind: str
    incident_id: int
    due_at: datetime
    person_id: str | None = None
    ref: int | None = None


class TimerRepo:
    """Schedule, claim and list timers."""

    def __init__(
        self, conn: AsyncConnection, *, dialect: str, signal: Callable[..., None] | None = None
    ) -> None:
        self._conn = conn
        self._dialect = dialect
        self._signal = signal

    async def add(self, items: Sequence[NewTimer], *, now: datetime) -> None:
        """Schedule timers in the caller's transaction."""
        rows = [
            {
                "kind": t.kind,
                "incident_id": t.incident_id,
                "person_id": t.person_id,
                "ref": t.ref,
                "due_at": t.due_at,
                "created_at": now,
            }
            for t in items
        ]
        if rows:
            await self._conn.execute(insert(timers), rows)
            if self._signal is not None:  # the timer loop may sleep past the new due time
                self._signal(TIMERS)

    async def claim_due(self, *, now: datetime, limit: int) -> list[Timer]:
        """Lock due, unfired timers (skipping ones another instance holds) — the caller fires
        them and calls ``fired`` in the same transaction, so each fires exactly once."""
        stmt = (
            select(timers)
            .where(timers.c.fired_at.is_(None), timers.c.due_at <= now)
            .order_by(timers.c.due_at, timers.c.id)
            .limit(limit)
        )
        if self._dialect == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return [Timer(**row._mapping) for row in await self._conn.execute(stmt)]

    async def fired(self, timer_id: int, *, now: datetime, outcome: str) -> bool:
        """Mark a timer fired; False if it already was."""
        result = await self._conn.execute(
            update(timers)
            .where(timers.c.id == timer_id, timers.c.fired_at.is_(None))
            .values(fired_at=now, outcome=outcome)
        )
        return result.rowcount == 1

    async def for_incident(self, incident_id: int) -> list[Timer]:
        """Every timer of an incident by due time."""
        stmt = (
            select(timers)
            .where(timers.c.incident_id == incident_id)
            .order_by(timers.c.due_at, timers.c.id)
        )
        return [Timer(**row._mapping) for row in await self._conn.execute(stmt)]

    async def cancel_open(self, incident_id: int, *, now: datetime, outcome: str) -> int:
        """Retire every unfired timer of an incident (at stand-down)."""
        result = await self._conn.execute(
            update(timers)
            .where(timers.c.incident_id == incident_id, timers.c.fired_at.is_(None))
            .values(fired_at=now, outcome=outcome)
        )
        return int(result.rowcount)

    async def next_due(self) -> datetime | None:
        """When the next unfired timer is due (an index lookup on ``ix_timers_due``), or
        None when none is scheduled."""
        stmt = select(func.min(timers.c.due_at)).where(timers.c.fired_at.is_(None))
        value: datetime | None = (await self._conn.execute(stmt)).scalar()
        return value

    async def earliest_open(
        self, incident_id: int, kind: str, *, exclude: int | None = None, unlocked: bool = False
    ) -> datetime | None:
        """The earliest due time of an incident's unfired timers of ``kind`` (except timer
        ``exclude``), None if there is none. With ``unlocked``, on PostgreSQL, a timer another
        transaction is firing right now does not count, and the ones counted are share-locked
        until the caller commits, so none of them can fire before the caller's rows are seen."""
        stmt = (
            select(timers.c.due_at)
            .where(
                timers.c.incident_id == incident_id,
                timers.c.kind == kind,
                timers.c.fired_at.is_(None),
            )
            .order_by(timers.c.due_at)
        )
        if exclude is not None:
            stmt = stmt.where(timers.c.id != exclude)
        if unlocked and self._dialect == "postgresql":
            stmt = stmt.with_for_update(read=True, skip_locked=True)
        due = (await self._conn.execute(stmt)).scalars().first()
        return due
