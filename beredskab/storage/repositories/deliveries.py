"""The outbox table: enqueue, claim with a lease, record outcomes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.models import ConfirmationStatus, Delivery, IncidentStatus
from beredskab.storage.bulk import insert_many
from beredskab.storage.signals import DELIVERIES, deliveries_topic
from beredskab.storage.tables import confirmations, deliveries, incidents
from notifier.types import ChannelKind, DeliveryStatus

Signal = Callable[..., None]
"""``Tx.signal``: mark the transaction with topics to signal after its commit."""


def _no_signal(*_topics: str) -> None:
    """A repository used outside a ``Tx`` signals nothing."""


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """What the use cases hand to the outbox."""

    incident_id: int | None
    person_id: str
    channel: ChannelKind
    address: str
    template: str
    subject: str
    text: str
    short_text: str
    notification: str = ""
    policy: str = "all"
    alternates: str = ""
    actions: str = ""
    language: str = "da"


@dataclass(frozen=True, slots=True)
class Claimed:
    """A leased row; ``abandoned`` if a previous worker's lease ran out mid-send."""

    delivery: Delivery
    abandoned: bool


_COLUMNS = (
    "incident_id",
    "person_id",
    "channel",
    "address",
    "template",
    "subject",
    "text",
    "short_text",
    "notification",
    "policy",
    "alternates",
    "actions",
    "language",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
    "updated_at",
    "fell_back",
)
"""What ``enqueue`` writes, in the order of its row tuples."""


@dataclass(frozen=True, slots=True)
class AckTarget:
    """The incident and person an "OK" from a number answers (``DeliveryRepo.ack_target``)."""

    incident_id: int
    person_id: str
    incident_open: bool


class DeliveryRepo:
    """Queries on the outbox."""

    def __init__(self, conn: AsyncConnection, *, dialect: str, signal: Signal = _no_signal) -> None:
        self._conn = conn
        self._dialect = dialect
        self._signal = signal

    async def enqueue(self, items: list[NewDelivery], *, now: datetime) -> list[int]:
        """Queue messages in the caller's transaction (one statement per batch, values
        converted once: ``storage.bulk``); returns their ids in the order of ``items``."""
        if not items:
            return []
        queued = DeliveryStatus.QUEUED.value
        self._signal(*{deliveries_topic(item.channel.value) for item in items})
        rows = [
            (
                item.incident_id,
                item.person_id,
                item.channel.value,
                item.address,
                item.template,
                item.subject,
                item.text,
                item.short_text,
                item.notification,
                item.policy,
                item.alternates,
                item.actions,
                item.language,
                queued,
                0,
                now,
                now,
                now,
                False,
            )
            for item in items
        ]
        keys = [(item.notification, item.channel.value) for item in items]
        back = ("id", "notification", "channel")
        if len(set(keys)) < len(keys):  # no unique key to map ids back: one row at a time
            conn = self._conn
            one = [await insert_many(conn, deliveries, _COLUMNS, [r], returning=back) for r in rows]
            return [int(inserted[0][0]) for inserted in one]
        # RETURNING order is not guaranteed, so map ids back by key.
        inserted = await insert_many(self._conn, deliveries, _COLUMNS, rows, returning=back)
        ids = {(notification, channel): int(i) for i, notification, channel in inserted}
        return [ids[key] for key in keys]

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

    async def claim(
        self,
        *,
        owner: str,
        now: datetime,
        lease_until: datetime,
        limit: int,
        channel: ChannelKind | None = None,
    ) -> list[Claimed]:
        """Lease due rows (of one channel, if given): queued ones whose time has come, and
        sending ones whose lease ran out (``abandoned``: a worker died mid-send)."""
        due = or_(
            and_(
                deliveries.c.status == DeliveryStatus.QUEUED.value,
                deliveries.c.next_attempt_at <= now,
            ),
            and_(
                deliveries.c.status == DeliveryStatus.SENDING.value,
                deliveries.c.lease_until <= now,
            ),
        )
        stmt = select(deliveries).where(due).order_by(deliveries.c.id).limit(limit)
        if channel is not None:
            stmt = stmt.where(deliveries.c.channel == channel.value)
        if self._dialect == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        before = [Delivery.model_validate(r) for r in await self._conn.execute(stmt)]
        if not before:
            return []
        ids = [d.id for d in before]
        await self._conn.execute(
            update(deliveries)
            .where(deliveries.c.id.in_(ids))
            .values(
                status=DeliveryStatus.SENDING.value,
                lease_until=lease_until,
                lease_owner=owner,
                attempts=deliveries.c.attempts + 1,
                updated_at=now,
            )
        )
        return [
            Claimed(
                delivery=d.model_copy(
                    update={
                        "status": DeliveryStatus.SENDING,
                        "attempts": d.attempts + 1,
                        "lease_until": lease_until,
                        "updated_at": now,
                    }
                ),
                abandoned=d.status is DeliveryStatus.SENDING,
            )
            for d in before
        ]

    async def finish(
        self,
        delivery_id: int,
        *,
        owner: str,
        status: DeliveryStatus,
        now: datetime,
        provider_id: str | None = None,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> bool:
        """Record an attempt's outcome if this worker still holds the lease; True if recorded."""
        values: dict[str, object] = {
            "status": status.value,
            "lease_until": None,
            "lease_owner": None,
            "updated_at": now,
            "error": error,
        }
        if provider_id is not None:
            values["provider_id"] = provider_id
        if retry_at is not None:
            values["next_attempt_at"] = retry_at
        result = await self._conn.execute(
            update(deliveries)
            .where(
                deliveries.c.id == delivery_id,
                deliveries.c.lease_owner == owner,
                deliveries.c.status == DeliveryStatus.SENDING.value,
            )
            .values(**values)
        )
        return result.rowcount == 1

    async def release(self, delivery_id: int, *, owner: str, now: datetime) -> bool:
        """Give a leased row back unsent (queued, due now, the claim's attempt not counted) if
        this worker still holds the lease; True if released."""
        result = await self._conn.execute(
            update(deliveries)
            .where(
                deliveries.c.id == delivery_id,
                deliveries.c.lease_owner == owner,
                deliveries.c.status == DeliveryStatus.SENDING.value,
            )
            .values(
                status=DeliveryStatus.QUEUED.value,
                lease_until=None,
                lease_owner=None,
                attempts=deliveries.c.attempts - 1,
                next_attempt_at=now,
                updated_at=now,
            )
        )
        if result.rowcount == 1:
            self._signal(DELIVERIES)  # due again now (rare: a pace the lease could not keep)
        return result.rowcount == 1

    async def by_provider_id(self, provider_id: str) -> Delivery | None:
        """The row a provider id (Twilio SID, SMTP Message-ID) belongs to."""
        stmt = select(deliveries).where(deliveries.c.provider_id == provider_id).limit(1)
        row = (await self._conn.execute(stmt)).first()
        return Delivery.model_validate(row) if row else None

    async def advance(
        self,
        delivery_id: int,
        *,
        status: DeliveryStatus,
        only_from: list[DeliveryStatus],
        now: datetime,
        error: str | None = None,
    ) -> bool:
        """Move a row forward (receipts); True if it was in one of ``only_from``."""
        values: dict[str, object] = {"status": status.value, "updated_at": now}
        if error is not None:
            values["error"] = error
        result = await self._conn.execute(
            update(deliveries)
            .where(
                deliveries.c.id == delivery_id,
                deliveries.c.status.in_([s.value for s in only_from]),
            )
            .values(**values)
        )
        return result.rowcount == 1

    async def mark_fell_back(self, delivery_id: int, *, now: datetime) -> bool:
        """Claim the right to fall back from this row; True only the first time."""
        result = await self._conn.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id, deliveries.c.fell_back.is_(False))
            .values(fell_back=True, updated_at=now)
        )
        return result.rowcount == 1

    async def overdue_for_fallback(
        self, *, created_before: datetime, limit: int, receipt_channels: list[ChannelKind]
    ) -> list[Delivery]:
        """Fallback rows with channels left that are not confirmed sent in time: still queued
        or sending, or sent on a channel that reports delivery but has not done so."""
        unconfirmed = or_(
            deliveries.c.status.in_([DeliveryStatus.QUEUED.value, DeliveryStatus.SENDING.value]),
            and_(
                deliveries.c.status == DeliveryStatus.SENT.value,
                deliveries.c.channel.in_([c.value for c in receipt_channels]),
            ),
        )
        stmt = (
            select(deliveries)
            .where(
                deliveries.c.policy == "fallback",
                deliveries.c.fell_back.is_(False),
                deliveries.c.alternates != "",
                deliveries.c.created_at <= created_before,
                unconfirmed,
            )
            .order_by(deliveries.c.id)
            .limit(limit)
        )
        return [Delivery.model_validate(r) for r in await self._conn.execute(stmt)]

    async def for_notification(self, notification: str) -> list[Delivery]:
        """Every copy of one notification (one message to one person)."""
        stmt = (
            select(deliveries)
            .where(deliveries.c.notification == notification)
            .order_by(deliveries.c.id)
        )
        return [Delivery.model_validate(r) for r in await self._conn.execute(stmt)]

    async def expire_queued(self, incident_id: int, *, now: datetime) -> int:
        """Give up on every still-queued message of an incident; returns how many."""
        result = await self._conn.execute(
            update(deliveries)
            .where(
                deliveries.c.incident_id == incident_id,
                deliveries.c.status == DeliveryStatus.QUEUED.value,
            )
            .values(status=DeliveryStatus.EXPIRED.value, updated_at=now, error="stood down")
        )
        return int(result.rowcount)

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

    async def expire_leased(
        self, reasons: dict[int, str], *, owner: str, now: datetime
    ) -> list[int]:
        """Give up on rows this worker leased and must not send (``reasons`` by id);
        returns the ids expired."""
        done: list[int] = []
        for delivery_id, reason in reasons.items():
            result = await self._conn.execute(
                update(deliveries)
                .where(
                    deliveries.c.id == delivery_id,
                    deliveries.c.lease_owner == owner,
                    deliveries.c.status == DeliveryStatus.SENDING.value,
                )
                .values(
                    status=DeliveryStatus.EXPIRED.value,
                    lease_until=None,
                    lease_owner=None,
                    attempts=deliveries.c.attempts - 1,
                    updated_at=now,
                    error=reason,
                )
            )
            if result.rowcount == 1:
                done.append(delivery_id)
        return done

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

    async def hold_fallbacks(self, incident_id: int, *, now: datetime) -> int:
        """At the stand-down: no message of the incident still on its way is handed to
        another channel later (marked as fallen back); returns how many."""
        result = await self._conn.execute(
            update(deliveries)
            .where(
                deliveries.c.incident_id == incident_id,
                deliveries.c.policy == "fallback",
                deliveries.c.fell_back.is_(False),
                deliveries.c.status.in_(
                    [
                        DeliveryStatus.QUEUED.value,
                        DeliveryStatus.SENDING.value,
                        DeliveryStatus.SENT.value,
                    ]
                ),
            )
            .values(fell_back=True, updated_at=now)
        )
        return int(result.rowcount)

    async def ack_target(
        self, address: str, *, incident_id: int | None = None, pending_only: bool = False
    ) -> AckTarget | None:
        """What an "OK" from ``address`` answers, in one indexed query: the newest SMS to it
        that asked for confirmation (optionally of one incident; with ``pending_only`` only
        while that confirmation is pending and the incident open), with its incident's state."""
        stmt = (
            select(deliveries.c.incident_id, deliveries.c.person_id, incidents.c.status)
            .join(incidents, incidents.c.id == deliveries.c.incident_id)
            .where(
                deliveries.c.address == address,
                deliveries.c.channel == ChannelKind.SMS.value,
                deliveries.c.actions != "",
            )
            .order_by(deliveries.c.id.desc())
            .limit(1)
        )
        if incident_id is not None:
            stmt = stmt.where(deliveries.c.incident_id == incident_id)
        if pending_only:
            stmt = stmt.join(
                confirmations,
                and_(
                    confirmations.c.incident_id == deliveries.c.incident_id,
                    confirmations.c.person_id == deliveries.c.person_id,
                ),
            ).where(
                confirmations.c.status == ConfirmationStatus.PENDING.value,
                incidents.c.status == IncidentStatus.ACTIVE.value,
            )
        row = (await self._conn.execute(stmt)).first()
        if row is None:
            return None
        return AckTarget(
            incident_id=int(row.incident_id),
            person_id=str(row.person_id),
            incident_open=row.status == IncidentStatus.ACTIVE.value,
        )

    async def next_due(self, channel: ChannelKind) -> datetime | None:
        """When a row of ``channel`` is next due for a claim: the earliest ``next_attempt_at``
        of a queued row or ``lease_until`` of a leased one (two index lookups on
        ``ix_deliveries_channel_due``; leased rows are few), or None when nothing waits."""
        queued = select(func.min(deliveries.c.next_attempt_at)).where(
            deliveries.c.channel == channel.value,
            deliveries.c.status == DeliveryStatus.QUEUED.value,
        )
        leased = select(func.min(deliveries.c.lease_until)).where(
            deliveries.c.channel == channel.value,
            deliveries.c.status == DeliveryStatus.SENDING.value,
        )
        row = (
            await self._conn.execute(select(queued.scalar_subquery(), leased.scalar_subquery()))
        ).one()
        times = [t for t in row if t is not None]
        return min(times) if times else None

    async def next_fallback(self, *, receipt_channels: list[ChannelKind]) -> datetime | None:
        """The ``created_at`` of the oldest row ``overdue_for_fallback`` would hand over once
        it is old enough, or None."""
        unconfirmed = or_(
            deliveries.c.status.in_([DeliveryStatus.QUEUED.value, DeliveryStatus.SENDING.value]),
            and_(
                deliveries.c.status == DeliveryStatus.SENT.value,
                deliveries.c.channel.in_([c.value for c in receipt_channels]),
            ),
        )
        stmt = select(func.min(deliveries.c.created_at)).where(
            deliveries.c.policy == "fallback",
            deliveries.c.fell_back.is_(False),
            deliveries.c.alternates != "",
            unconfirmed,
        )
        value = (await self._conn.execute(stmt)).scalar()
        return value if isinstance(value, datetime) or value is None else None
