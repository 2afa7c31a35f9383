"""Preparedness between incidents: sign-off and contact verification requests, campaigns.

The tables live here rather than in ``tables.py`` (same ``metadata``): only this repository
queries them. Migration 0005 creates them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.storage.tables import metadata
from beredskab.storage.types import UTCDateTime

verification_campaigns = Table(
    "verification_campaigns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("started_by", String(64), nullable=False),
    Column("ended_at", UTCDateTime(), nullable=True),
)

prep_requests = Table(
    "prep_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # "signoff" (round = plan version) or "verify" (round = campaign id).
    Column("kind", String(16), nullable=False),
    Column("round", String(64), nullable=False),
    Column("person_id", String(64), nullable=False),
    Column("asked_at", UTCDateTime(), nullable=False),
    # When the request was last sent (first ask or latest reminder).
    Column("sent_at", UTCDateTime(), nullable=False),
    Column("reminders", Integer, nullable=False),
    Column("answered_at", UTCDateTime(), nullable=True),
    Column("via", String(32), nullable=True),
    UniqueConstraint("kind", "round", "person_id", name="uq_prep_requests_round"),
    Index("ix_prep_requests_person", "person_id", "kind"),
)


@dataclass(frozen=True, slots=True)
class PrepRequest:
    """One person asked to sign off a plan version or to verify contact details."""

    id: int
    kind: str
    round: str
    person_id: str
    asked_at: datetime
    sent_at: datetime
    reminders: int
    answered_at: datetime | None
    via: str | None


@dataclass(frozen=True, slots=True)
class Campaign:
    """One contact verification campaign."""

    id: int
    started_at: datetime
    started_by: str
    ended_at: datetime | None


class PreparednessRepo:
    """Requests (one per kind, round and person) and verification campaigns."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_request(
        self, *, kind: str, round_: str, person_id: str, now: datetime
    ) -> PrepRequest:
        """Create an open request and return it."""
        result = await self._conn.execute(
            insert(prep_requests)
            .values(
                kind=kind, round=round_, person_id=person_id, asked_at=now, sent_at=now, reminders=0
            )
            .returning(prep_requests.c.id)
        )
        found = await self.request(int(result.scalar_one()))
        assert found is not None
        return found

    async def add_request_if_new(
        self, *, kind: str, round_: str, person_id: str, now: datetime
    ) -> PrepRequest | None:
        """Create an open request; None when this person already has one for the round
        (also when a concurrent transaction just made it)."""
        try:
            async with self._conn.begin_nested():
                return await self.add_request(
                    kind=kind, round_=round_, person_id=person_id, now=now
                )
        except IntegrityError:
            return None

    async def request(self, request_id: int) -> PrepRequest | None:
        """One request."""
        stmt = select(prep_requests).where(prep_requests.c.id == request_id)
        row = (await self._conn.execute(stmt)).first()
        return PrepRequest(**row._mapping) if row else None

    async def requests(
        self, *, kind: str, round_: str | None = None, open_only: bool = False
    ) -> list[PrepRequest]:
        """Requests of a kind (and round), oldest first."""
        stmt = select(prep_requests).where(prep_requests.c.kind == kind)
        if round_ is not None:
            stmt = stmt.where(prep_requests.c.round == round_)
        if open_only:
            stmt = stmt.where(prep_requests.c.answered_at.is_(None))
        stmt = stmt.order_by(prep_requests.c.id)
        return [PrepRequest(**row._mapping) for row in await self._conn.execute(stmt)]

    async def answer(self, request_id: int, *, via: str, now: datetime) -> bool:
        """Mark a request answered; True only the first time."""
        result = await self._conn.execute(
            update(prep_requests)
            .where(prep_requests.c.id == request_id, prep_requests.c.answered_at.is_(None))
            .values(answered_at=now, via=via)
        )
        return result.rowcount == 1

    async def mark_sent(self, request_id: int, *, now: datetime) -> None:
        """A reminder went out."""
        await self._conn.execute(
            update(prep_requests)
            .where(prep_requests.c.id == request_id)
            .values(sent_at=now, reminders=prep_requests.c.reminders + 1)
        )

    async def last_answered(self, kind: str, person_ids: Iterable[str]) -> dict[str, datetime]:
        """The newest answer of a kind per person who ever answered."""
        ids = list(person_ids)
        if not ids:
            return {}
        stmt = (
            select(prep_requests.c.person_id, func.max(prep_requests.c.answered_at))
            .where(prep_requests.c.kind == kind, prep_requests.c.person_id.in_(ids))
            .where(prep_requests.c.answered_at.is_not(None))
            .group_by(prep_requests.c.person_id)
        )
        found: dict[str, datetime] = {}
        for person_id, at in await self._conn.execute(stmt):
            value = UTCDateTime().process_result_value(at, self._conn.dialect)
            if value is not None:
                found[str(person_id)] = value
        return found

    async def start_campaign(self, *, by: str, now: datetime) -> Campaign:
        """Open a new verification campaign."""
        result = await self._conn.execute(
            insert(verification_campaigns)
            .values(started_at=now, started_by=by)
            .returning(verification_campaigns.c.id)
        )
        found = await self.campaign(int(result.scalar_one()))
        assert found is not None
        return found

    async def campaign(self, campaign_id: int | None = None) -> Campaign | None:
        """One campaign, or the newest when no id is given."""
        stmt = select(verification_campaigns)
        if campaign_id is None:
            stmt = stmt.order_by(verification_campaigns.c.id.desc()).limit(1)
        else:
            stmt = stmt.where(verification_campaigns.c.id == campaign_id)
        row = (await self._conn.execute(stmt)).first()
        return Campaign(**row._mapping) if row else None

    async def end_campaign(self, campaign_id: int, *, now: datetime) -> bool:
        """Close a campaign; True only the first time."""
        result = await self._conn.execute(
            update(verification_campaigns)
            .where(
                verification_campaigns.c.id == campaign_id,
                verification_campaigns.c.ended_at.is_(None),
            )
            .values(ended_at=now)
        )
        return result.rowcount == 1
