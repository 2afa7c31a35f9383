"""The inbound inbox (store before processing, dedupe by provider id) and PIN state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.storage.tables import inbound, pin_failures, pin_lockouts, pins


@dataclass(frozen=True, slots=True)
class Inbound:
    """One stored inbound event."""

    id: int
    source: str
    provider_id: str
    payload: str
    received_at: datetime
    processed_at: datetime | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class Lockout:
    """SMS activation is locked for a phone number until ``until``."""

    phone: str
    until: datetime
    level: int


class InboxRepo:
    """Inbound events: stored once, processed once."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, event_id: int) -> Inbound | None:
        """One event."""
        row = (await self._conn.execute(select(inbound).where(inbound.c.id == event_id))).first()
        return Inbound(**row._mapping) if row else None

    async def pending(self, *, limit: int = 50) -> list[Inbound]:
        """Events not processed yet, oldest first (e.g. after a crash)."""
        stmt = (
            select(inbound)
            .where(inbound.c.processed_at.is_(None))
            .order_by(inbound.c.id)
            .limit(limit)
        )
        return [Inbound(**row._mapping) for row in await self._conn.execute(stmt)]

    async def mark_processed(self, event_id: int, *, outcome: str, now: datetime) -> bool:
        """Record the outcome; False if another worker already processed it."""
        result = await self._conn.execute(
            update(inbound)
            .where(inbound.c.id == event_id, inbound.c.processed_at.is_(None))
            .values(processed_at=now, outcome=outcome)
        )
        return result.rowcount == 1

    async def mark_processed_many(
        self, outcomes: Sequence[tuple[int, str]], *, now: datetime
    ) -> None:
        """``mark_processed`` for several events in one statement (event id, outcome)."""
        if not outcomes:
            return
        await self._conn.execute(
            update(inbound)
            .where(inbound.c.id == bindparam("event_id"), inbound.c.processed_at.is_(None))
            .values(processed_at=now, outcome=bindparam("event_outcome")),
            [{"event_id": event_id, "event_outcome": text} for event_id, text in outcomes],
        )

    async def claim_many(self, event_ids: Sequence[int]) -> dict[int, bool]:
        """``claim_in_turn`` for several events in one statement: event id → True if ours
        to handle, False if processed already; an id missing is held by another instance."""
        if not event_ids:
            return {}
        stmt = (
            select(inbound.c.id, inbound.c.processed_at)
            .where(inbound.c.id.in_(list(event_ids)))
            .with_for_update(skip_locked=True)
        )
        return {row.id: row.processed_at is None for row in await self._conn.execute(stmt)}

    async def store_many(
        self, events: Sequence[tuple[str, str, str]], *, now: datetime
    ) -> set[tuple[str, str]]:
        """Store (source, provider id, payload) events in one statement; returns the
        (source, provider id) keys that were new. Ids seen before (or twice here) are kept
        once, like ``store``."""
        if not events:
            return set()
        insert_ = sqlite_insert if self._conn.dialect.name == "sqlite" else pg_insert
        stmt = (
            insert_(inbound)
            .values(
                [
                    {"source": s, "provider_id": p, "payload": body, "received_at": now}
                    for s, p, body in events
                ]
            )
            .on_conflict_do_nothing(index_elements=["source", "provider_id"])
            .returning(inbound.c.source, inbound.c.provider_id)
        )
        return {(s, p) for s, p in await self._conn.execute(stmt)}

    async def claim_in_turn(self, event_id: int) -> bool | None:
        """Lock one event for this transaction: True if it is ours to handle, False if it
        was processed already, None if another instance holds it (PostgreSQL; SQLite has
        one writer and ignores the lock)."""
        stmt = (
            select(inbound.c.processed_at)
            .where(inbound.c.id == event_id)
            .with_for_update(skip_locked=True)
        )
        row = (await self._conn.execute(stmt)).first()
        if row is None:
            return None
        return row.processed_at is None


class PinRepo:
    """PIN hashes, failed attempts and lockouts per phone number."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def set_hash(self, person_id: str, hash_: str, *, now: datetime) -> None:
        """Store (or replace) a person's PIN hash."""
        await self._conn.execute(delete(pins).where(pins.c.person_id == person_id))
        await self._conn.execute(insert(pins).values(person_id=person_id, hash=hash_, set_at=now))

    async def hash_for(self, person_id: str) -> str | None:
        """A person's PIN hash, if a PIN is set."""
        value: str | None = (
            await self._conn.execute(select(pins.c.hash).where(pins.c.person_id == person_id))
        ).scalar()
        return value

    async def people_with_pin(self) -> set[str]:
        """Everyone who has a PIN."""
        return set((await self._conn.execute(select(pins.c.person_id))).scalars())

    async def add_failure(self, phone: str, *, now: datetime) -> None:
        """Remember one wrong PIN from a number."""
        await self._conn.execute(insert(pin_failures).values(phone=phone, at=now))

    async def failures_since(self, phone: str, since: datetime) -> int:
        """Wrong PINs from a number since a time."""
        stmt = select(func.count()).where(pin_failures.c.phone == phone, pin_failures.c.at >= since)
        return int((await self._conn.execute(stmt)).scalar_one())

    async def clear_failures(self, phone: str) -> None:
        """Forget a number's wrong PINs (after a right one or a lockout)."""
        await self._conn.execute(delete(pin_failures).where(pin_failures.c.phone == phone))

    async def lockout(self, phone: str) -> Lockout | None:
        """The number's lockout record, if any (it may have expired)."""
        row = (
            await self._conn.execute(select(pin_lockouts).where(pin_lockouts.c.phone == phone))
        ).first()
        return Lockout(**row._mapping) if row else None

    async def set_lockout(self, phone: str, *, until: datetime, level: int) -> None:
        """Lock SMS activation from a number."""
        await self._conn.execute(delete(pin_lockouts).where(pin_lockouts.c.phone == phone))
        await self._conn.execute(insert(pin_lockouts).values(phone=phone, until=until, level=level))
