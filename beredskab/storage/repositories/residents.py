"""Resident subscriptions (residents are not directory people) and pending web sign-ups."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.storage.signals import RESIDENTS
from beredskab.storage.tables import resident_signups, residents


@dataclass(frozen=True, slots=True)
class Subscription:
    """One subscription of a resident: all that is stored about them."""

    id: int
    phone: str
    zone: int
    language: str
    consent_version: str
    consented_at: datetime
    subscribed_at: datetime
    stopped_at: datetime | None
    channel: str


@dataclass(frozen=True, slots=True)
class PendingSignup:
    """A sign-up of the public page waiting for its code."""

    code_id: int
    phone: str
    zone: int
    language: str
    consent_version: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Count:
    """Live subscriptions of one zone and language."""

    zone: int
    language: str
    count: int


def _subscription(row: object) -> Subscription:
    return Subscription(**row._mapping)  # type: ignore[attr-defined]


class ResidentRepo:
    """Queries on resident subscriptions. A transaction that starts or ends one is marked
    with the ``RESIDENTS`` topic (``signal``), so the outbox reads the numbers again before
    its next resident SMS (``outbox.freshness``)."""

    def __init__(self, conn: AsyncConnection, *, signal: Callable[..., None] | None = None) -> None:
        self._conn = conn
        self._signal = signal

    def _changed(self) -> None:
        if self._signal is not None:
            self._signal(RESIDENTS)

    async def current(self, phone: str) -> Subscription | None:
        """The live subscription of a number, if any."""
        row = (
            await self._conn.execute(
                select(residents).where(
                    residents.c.phone == phone, residents.c.stopped_at.is_(None)
                )
            )
        ).first()
        return _subscription(row) if row is not None else None

    async def latest(self, phone: str) -> Subscription | None:
        """The newest subscription of a number, live or stopped."""
        row = (
            await self._conn.execute(
                select(residents)
                .where(residents.c.phone == phone)
                .order_by(residents.c.id.desc())
                .limit(1)
            )
        ).first()
        return _subscription(row) if row is not None else None

    async def stop(self, phone: str, now: datetime) -> bool:
        """End the live subscription of a number; False if there was none."""
        result = await self._conn.execute(
            update(residents)
            .where(residents.c.phone == phone, residents.c.stopped_at.is_(None))
            .values(stopped_at=now)
        )
        if result.rowcount:
            self._changed()
        return bool(result.rowcount)

    async def add(
        self,
        *,
        phone: str,
        zone: int,
        language: str,
        consent_version: str,
        channel: str,
        now: datetime,
    ) -> Subscription:
        """Start a subscription with its consent (end the live one first)."""
        self._changed()
        row = (
            await self._conn.execute(
                insert(residents)
                .values(
                    phone=phone,
                    zone=zone,
                    language=language,
                    consent_version=consent_version,
                    consented_at=now,
                    subscribed_at=now,
                    stopped_at=None,
                    channel=channel,
                )
                .returning(*residents.c)
            )
        ).one()
        return _subscription(row)

    async def active(self, *, zone: int | None, language: str | None) -> list[Subscription]:
        """Live subscriptions, optionally of one zone and/or language, oldest first."""
        query = select(residents).where(residents.c.stopped_at.is_(None))
        if zone is not None:
            query = query.where(residents.c.zone == zone)
        if language is not None:
            query = query.where(residents.c.language == language)
        rows = await self._conn.execute(query.order_by(residents.c.id))
        return [_subscription(row) for row in rows]

    async def live_ids(self, *, zone: int | None) -> list[int]:
        """The ids of the live subscriptions of a zone (every zone when None), oldest first."""
        query = select(residents.c.id).where(residents.c.stopped_at.is_(None))
        if zone is not None:
            query = query.where(residents.c.zone == zone)
        return [
            int(i) for i in (await self._conn.execute(query.order_by(residents.c.id))).scalars()
        ]

    async def live_by_ids(self, ids: list[int]) -> list[Subscription]:
        """Of these subscriptions, those still live, in id order (one query)."""
        if not ids:
            return []
        rows = await self._conn.execute(
            select(residents)
            .where(residents.c.id.in_(ids), residents.c.stopped_at.is_(None))
            .order_by(residents.c.id)
        )
        return [_subscription(row) for row in rows]

    async def subscribed(self, phone: str) -> bool:
        """True while the number has a live subscription (one indexed lookup)."""
        found = await self._conn.scalar(
            select(residents.c.id)
            .where(residents.c.phone == phone, residents.c.stopped_at.is_(None))
            .limit(1)
        )
        return found is not None

    async def counts(self) -> list[Count]:
        """Live subscriptions per zone and language."""
        rows = await self._conn.execute(
            select(residents.c.zone, residents.c.language, func.count())
            .where(residents.c.stopped_at.is_(None))
            .group_by(residents.c.zone, residents.c.language)
            .order_by(residents.c.zone, residents.c.language)
        )
        return [Count(zone=z, language=lang, count=n) for z, lang, n in rows]

    async def add_signup(
        self, *, code_id: int, phone: str, zone: int, language: str, version: str, now: datetime
    ) -> None:
        """Keep a web sign-up until its code is entered."""
        await self._conn.execute(
            insert(resident_signups).values(
                code_id=code_id,
                phone=phone,
                zone=zone,
                language=language,
                consent_version=version,
                created_at=now,
            )
        )

    async def signup(self, code_id: int) -> PendingSignup | None:
        """The pending sign-up of a code."""
        row = (
            await self._conn.execute(
                select(resident_signups).where(resident_signups.c.code_id == code_id)
            )
        ).first()
        return PendingSignup(**row._mapping) if row is not None else None

    async def forget_signups(self, *, code_id: int | None = None, before: datetime) -> None:
        """Delete the sign-up of a used code, and every sign-up made before ``before``."""
        condition = resident_signups.c.created_at < before
        if code_id is not None:
            condition = condition | (resident_signups.c.code_id == code_id)
        await self._conn.execute(delete(resident_signups).where(condition))
