"""Reads on the outbox table: a row, an incident's rows, what an "OK" answers, when work is
next due. ``DeliveryRepo`` adds the writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.models import Confirmation, ConfirmationStatus, Delivery, Incident, IncidentStatus
from beredskab.storage.repositories.answering import (
    CONFIRMATION_COLUMNS,
    INCIDENT_COLUMNS,
    confirmation_of,
    incident_of,
)
from beredskab.storage.tables import FALLBACK_PENDING, confirmations, deliveries, incidents
from notifier.types import ChannelKind, DeliveryStatus


@dataclass(frozen=True, slots=True)
class AckTarget:
    """The incident and person an "OK" from a number answers (``DeliveryRepo.ack_target``),
    with the incident and the person's confirmation as they were read (None: not asked)."""

    person_id: str
    incident: Incident
    confirmation: Confirmation | None

    @property
    def incident_id(self) -> int:
        return self.incident.id

    @property
    def incident_open(self) -> bool:
        return self.incident.status is IncidentStatus.ACTIVE


ADDRESSES_PER_QUERY = 500
"""Numbers per ``pending_ack_targets`` query at most (within SQLite's parameter limit)."""


class DeliveryLookups:
    """The outbox's read queries (mixed into ``DeliveryRepo``)."""

    _conn: AsyncConnection
    _dialect: str

    async def get(self, delivery_id: int) -> Delivery | None:
        """One outbox row."""
        row = (
            await self._conn.execute(select(deliveries).where(deliveries.c.id == delivery_id))
        ).first()
        return Delivery.model_validate(row) if row else None

    async def for_incident(self, incident_id: int) -> list[Delivery]:
        """Every message of an incident, oldest first."""
        stmt = (
            select(deliveries)
            .where(deliveries.c.incident_id == incident_id)
            .order_by(deliveries.c.id)
        )
        return [Delivery.model_validate(r) for r in await self._conn.execute(stmt)]

    async def by_provider_id(self, provider_id: str) -> Delivery | None:
        """The row a provider id (Twilio SID, SMTP Message-ID) belongs to."""
        stmt = select(deliveries).where(deliveries.c.provider_id == provider_id).limit(1)
        row = (await self._conn.execute(stmt)).first()
        return Delivery.model_validate(row) if row else None

    async def for_notification(self, notification: str) -> list[Delivery]:
        """Every copy of one notification (one message to one person)."""
        stmt = (
            select(deliveries)
            .where(deliveries.c.notification == notification)
            .order_by(deliveries.c.id)
        )
        return [Delivery.model_validate(r) for r in await self._conn.execute(stmt)]

    async def channel_counts(
        self, incident_id: int
    ) -> dict[tuple[ChannelKind, DeliveryStatus], int]:
        """How many messages of an incident are in each (channel, state)."""
        stmt = (
            select(deliveries.c.channel, deliveries.c.status, func.count())
            .where(deliveries.c.incident_id == incident_id)
            .group_by(deliveries.c.channel, deliveries.c.status)
        )
        return {
            (ChannelKind(c), DeliveryStatus(s)): int(n)
            for c, s, n in await self._conn.execute(stmt)
        }

    async def count_to(self, address: str, *, template: str, since: datetime) -> int:
        """Messages of one template queued to an address since a time."""
        stmt = select(func.count()).where(
            deliveries.c.address == address,
            deliveries.c.template == template,
            deliveries.c.created_at >= since,
        )
        return int((await self._conn.execute(stmt)).scalar_one())

    async def to_address(self, address: str, *, limit: int = 100) -> list[Delivery]:
        """The newest messages to an address (any incident or none), oldest first."""
        stmt = (
            select(deliveries)
            .where(deliveries.c.address == address)
            .order_by(deliveries.c.id.desc())
            .limit(limit)
        )
        return [Delivery.model_validate(r) for r in await self._conn.execute(stmt)][::-1]

    async def open_count(self) -> int:
        """Messages queued or being sent."""
        stmt = select(func.count()).where(
            deliveries.c.status.in_([DeliveryStatus.QUEUED.value, DeliveryStatus.SENDING.value])
        )
        return int((await self._conn.execute(stmt)).scalar_one())

    async def leased(self, *, limit: int = 1000) -> list[Delivery]:
        """Rows being sent (status ``sending``), the earliest lease end first."""
        stmt = (
            select(deliveries)
            .where(deliveries.c.status == DeliveryStatus.SENDING.value)
            .order_by(deliveries.c.lease_until)
            .limit(limit)
        )
        return [Delivery.model_validate(r) for r in await self._conn.execute(stmt)]

    async def recipients(self, incident_id: int) -> set[str]:
        """Everyone who was sent anything about an incident."""
        stmt = (
            select(deliveries.c.person_id).where(deliveries.c.incident_id == incident_id).distinct()
        )
        return set((await self._conn.execute(stmt)).scalars())

    async def reached_any(
        self, incident_id: int, person_ids: Sequence[str], *, template: str
    ) -> bool:
        """True if a message of ``template`` about the incident was queued for one of these
        people (whatever became of it)."""
        if not person_ids:
            return False
        stmt = (
            select(deliveries.c.id)
            .where(
                deliveries.c.incident_id == incident_id,
                deliveries.c.template == template,
                deliveries.c.person_id.in_(sorted(set(person_ids))),
            )
            .limit(1)
        )
        return (await self._conn.execute(stmt)).first() is not None

    async def sent_since(
        self, incident_id: int, person_ids: Sequence[str], *, template: str, since: datetime
    ) -> list[tuple[str, str]]:
        """(person, notification key) of an incident's messages of one template to these
        people queued after ``since`` (reminder coalescing reads the item from the key)."""
        if not person_ids:
            return []
        stmt = select(deliveries.c.person_id, deliveries.c.notification).where(
            deliveries.c.incident_id == incident_id,
            deliveries.c.person_id.in_(list(person_ids)),
            deliveries.c.template == template,
            deliveries.c.created_at > since,
        )
        return [(row.person_id, row.notification) for row in await self._conn.execute(stmt)]

    async def ack_target(
        self, address: str, *, incident_id: int | None = None, pending_only: bool = False
    ) -> AckTarget | None:
        """What an "OK" from ``address`` answers, in one indexed query: the newest SMS to it
        that asked for confirmation (optionally of one incident; with ``pending_only`` only
        while that confirmation is pending and the incident open), with its incident and the
        person's confirmation, so the acknowledgement reads neither again."""
        stmt = _ack_target(one_incident=incident_id is not None, pending_only=pending_only)
        params = {"address": address, "incident_id": incident_id}
        row = (await self._conn.execute(stmt, params)).first()
        return None if row is None else _ack_target_of(row)

    async def pending_ack_targets(self, addresses: Sequence[str]) -> dict[str, AckTarget]:
        """``ack_target(address, pending_only=True)`` for many numbers in one query per
        ``ADDRESSES_PER_QUERY``: number → what its "OK" answers (absent: nothing open). The
        rows come newest first per number, so the first one of each is the answer."""
        found: dict[str, AckTarget] = {}
        wanted = list(dict.fromkeys(addresses))
        for start in range(0, len(wanted), ADDRESSES_PER_QUERY):
            chunk = wanted[start : start + ADDRESSES_PER_QUERY]
            rows = await self._conn.execute(_pending_ack_targets(), {"addresses": chunk})
            for row in rows:
                address = str(row.address)
                if address not in found:
                    found[address] = _ack_target_of(row)
        return found

    async def next_due(self, channel: ChannelKind) -> datetime | None:
        """When a row of ``channel`` is next due for a claim: the earliest ``next_attempt_at``
        of a queued row or ``lease_until`` of a leased one (two index lookups on
        ``ix_deliveries_channel_due``; leased rows are few), or None when nothing waits."""
        row = (await self._conn.execute(_next_due(channel))).one()
        times = [t for t in row if t is not None]
        return min(times) if times else None

    async def next_fallback(self, *, receipt_channels: list[ChannelKind]) -> datetime | None:
        """The ``created_at`` of the oldest row ``overdue_for_fallback`` would hand over once
        it is old enough, or None: queued or sending on any channel, or sent on a channel that
        reports delivery. One seek on ``ix_deliveries_fallback`` per (status, channel), so a
        large send's queued rows without a fallback are never read."""
        row = (await self._conn.execute(_next_fallback(tuple(receipt_channels)))).one()
        times = [t for t in row if isinstance(t, datetime)]
        return min(times) if times else None


@cache
def _ack_target(*, one_incident: bool, pending_only: bool) -> Select[Any]:
    """``ack_target``'s query, built once per kind (parameters ``address``, ``incident_id``):
    a statement used again is neither built nor keyed for the cache again."""
    stmt = (
        _asked_by_sms(pending_only=pending_only)
        .where(deliveries.c.address == bindparam("address"))
        .order_by(deliveries.c.id.desc())
        .limit(1)
    )
    if one_incident:
        stmt = stmt.where(deliveries.c.incident_id == bindparam("incident_id"))
    return stmt


@cache
def _pending_ack_targets() -> Select[Any]:
    """``pending_ack_targets``' query (parameter ``addresses``, expanded): ``ack_target``'s
    pending-only query for a list of numbers, with the number, newest first per number."""
    return (
        _asked_by_sms(pending_only=True)
        .add_columns(deliveries.c.address)
        .where(deliveries.c.address.in_(bindparam("addresses", expanding=True)))
        .order_by(deliveries.c.address, deliveries.c.id.desc())
    )


def _asked_by_sms(*, pending_only: bool) -> Select[Any]:
    """SMS that asked for confirmation, with their incident and the person's confirmation
    (with ``pending_only``: only a pending one, in an open incident)."""
    confirmation = and_(
        confirmations.c.incident_id == deliveries.c.incident_id,
        confirmations.c.person_id == deliveries.c.person_id,
    )
    stmt = (
        select(deliveries.c.person_id, *INCIDENT_COLUMNS, *CONFIRMATION_COLUMNS)
        .join(incidents, incidents.c.id == deliveries.c.incident_id)
        .join(confirmations, confirmation, isouter=not pending_only)
        .where(
            deliveries.c.channel == ChannelKind.SMS.value,
            deliveries.c.actions != "",
        )
    )
    if pending_only:
        stmt = stmt.where(
            confirmations.c.status == ConfirmationStatus.PENDING.value,
            incidents.c.status == IncidentStatus.ACTIVE.value,
        )
    return stmt


def _ack_target_of(row: Any) -> AckTarget:
    """An ``AckTarget`` from a row of ``_ack_target``'s columns."""
    incident = incident_of(row)
    assert incident is not None  # an inner join
    return AckTarget(
        person_id=str(row.person_id), incident=incident, confirmation=confirmation_of(row)
    )


@cache
def _next_due(channel: ChannelKind) -> Select[Any]:
    """``next_due``'s query for ``channel``, built once: it runs on every wake of a worker."""
    queued = select(func.min(deliveries.c.next_attempt_at)).where(
        deliveries.c.channel == channel.value,
        deliveries.c.status == DeliveryStatus.QUEUED.value,
    )
    leased = select(func.min(deliveries.c.lease_until)).where(
        deliveries.c.channel == channel.value,
        deliveries.c.status == DeliveryStatus.SENDING.value,
    )
    return select(queued.scalar_subquery(), leased.scalar_subquery())


@cache
def _next_fallback(receipt_channels: tuple[ChannelKind, ...]) -> Select[Any]:
    """``next_fallback``'s query, built once: it runs each time rows are queued."""
    waiting = [DeliveryStatus.QUEUED, DeliveryStatus.SENDING]
    pairs = [(status, kind) for status in waiting for kind in ChannelKind]
    pairs += [(DeliveryStatus.SENT, kind) for kind in receipt_channels]
    oldest = [
        select(func.min(deliveries.c.created_at))
        .where(
            FALLBACK_PENDING,
            deliveries.c.status == status.value,
            deliveries.c.channel == kind.value,
        )
        .scalar_subquery()
        for status, kind in pairs
    ]
    return select(*oldest)
