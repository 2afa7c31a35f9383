"""Fan-outs: the durable cursor of a large send queued in chunks (``incident.fanout``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.storage.signals import FANOUTS
from beredskab.storage.tables import fanouts

SEPARATOR = "\n"
"""Between the recipient ids of the ``recipients`` column (ids never contain it)."""


@dataclass(frozen=True, slots=True)
class Fanout:
    """Where a fan-out stands (its recipient list is read apart: ``recipients``)."""

    id: int
    incident_id: int
    kind: str
    playbook_id: str
    template: str
    communication_id: int | None
    total: int
    done: int
    reached: int
    messages: int
    chunks: int
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    outcome: str | None


_PROGRESS = [c for c in fanouts.c if c.name != "recipients"]


class FanoutRepo:
    """Start, advance and finish fan-outs."""

    def __init__(
        self, conn: AsyncConnection, *, dialect: str, signal: Callable[..., None] | None = None
    ) -> None:
        self._conn = conn
        self._dialect = dialect
        self._signal = signal

    async def start(
        self,
        *,
        incident_id: int,
        kind: str,
        playbook_id: str,
        template: str,
        recipients: Sequence[str],
        communication_id: int | None = None,
        done: int,
        reached: int,
        messages: int,
        now: datetime,
    ) -> int:
        """Record a fan-out whose first ``done`` recipients are handled (``communication_id``:
        the communication a resident send sends); returns its id."""
        joined = SEPARATOR.join(recipients)  # one pass in C, also at 20,000 recipients
        if joined.count(SEPARATOR) != max(len(recipients) - 1, 0):
            raise ValueError("a recipient id contains a line break")
        if self._signal is not None:  # serve's runner queues the rest once this commits
            self._signal(FANOUTS)
        result = await self._conn.execute(
            insert(fanouts)
            .values(
                incident_id=incident_id,
                kind=kind,
                playbook_id=playbook_id,
                template=template,
                communication_id=communication_id,
                recipients=joined,
                total=len(recipients),
                done=done,
                reached=reached,
                messages=messages,
                chunks=1 if done else 0,
                created_at=now,
                updated_at=now,
            )
            .returning(fanouts.c.id)
        )
        return int(result.scalar_one())

    async def next_open(
        self, *, kinds: Sequence[str], later: Sequence[str] = ()
    ) -> tuple[int, int] | None:
        """(id, incident) of the oldest unfinished fan-out of ``kinds``, if any (not locked);
        one of the ``later`` kinds only when no other kind is open."""
        stmt = (
            select(fanouts.c.id, fanouts.c.incident_id)
            .where(fanouts.c.finished_at.is_(None), fanouts.c.kind.in_(kinds))
            .order_by(case((fanouts.c.kind.in_(later), 1), else_=0), fanouts.c.id)
            .limit(1)
        )
        row = (await self._conn.execute(stmt)).first()
        return (int(row.id), int(row.incident_id)) if row else None

    async def get(self, fanout_id: int, *, lock: bool = False) -> Fanout | None:
        """Where a fan-out stands; ``lock`` holds its row to the end of the transaction
        (PostgreSQL), so two instances never queue the same chunk."""
        stmt = select(*_PROGRESS).where(fanouts.c.id == fanout_id)
        if lock and self._dialect == "postgresql":
            stmt = stmt.with_for_update()
        row = (await self._conn.execute(stmt)).first()
        return Fanout(**row._mapping) if row else None

    async def recipients(self, fanout_id: int) -> tuple[str, ...]:
        """Every recipient id of a fan-out, in order (it never changes after ``start``)."""
        stmt = select(fanouts.c.recipients).where(fanouts.c.id == fanout_id)
        text = (await self._conn.execute(stmt)).scalar_one()
        return tuple(text.split(SEPARATOR)) if text else ()

    async def advance(
        self, fanout_id: int, *, done: int, reached: int, messages: int, now: datetime
    ) -> None:
        """Move the cursor to ``done`` after a chunk that reached ``reached`` people with
        ``messages`` messages (in the chunk's transaction)."""
        await self._conn.execute(
            update(fanouts)
            .where(fanouts.c.id == fanout_id)
            .values(
                done=done,
                reached=fanouts.c.reached + reached,
                messages=fanouts.c.messages + messages,
                chunks=fanouts.c.chunks + 1,
                updated_at=now,
            )
        )

    async def finish(self, fanout_id: int, *, now: datetime, outcome: str) -> None:
        """Mark a fan-out finished: "done", or why it stopped."""
        await self._conn.execute(
            update(fanouts)
            .where(fanouts.c.id == fanout_id)
            .values(finished_at=now, updated_at=now, outcome=outcome[:200])
        )

    async def for_incident(self, incident_id: int) -> list[Fanout]:
        """Every fan-out of an incident, oldest first."""
        stmt = select(*_PROGRESS).where(fanouts.c.incident_id == incident_id).order_by(fanouts.c.id)
        return [Fanout(**row._mapping) for row in await self._conn.execute(stmt)]

    async def open_count(self) -> int:
        """How many fan-outs are unfinished."""
        stmt = select(func.count()).select_from(fanouts).where(fanouts.c.finished_at.is_(None))
        return int((await self._conn.execute(stmt)).scalar_one())
