"""The outbox table: enqueue, claim with a lease, record outcomes."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.models import Delivery
from beredskab.storage.bulk import insert_many
from beredskab.storage.repositories import delivery_batches
from beredskab.storage.repositories.delivery_batches import Finished, Freshness
from beredskab.storage.repositories.delivery_lookups import DeliveryLookups
from beredskab.storage.signals import DELIVERIES, deliveries_topic
from beredskab.storage.tables import deliveries
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


class DeliveryRepo(DeliveryLookups):
    """Queries on the outbox: queue, lease, record (the reads: ``DeliveryLookups``)."""

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
        sending ones whose lease ran out (``abandoned``: a worker died mid-send), oldest
        first; one statement on PostgreSQL (``SKIP LOCKED``), two on SQLite
        (``delivery_batches``)."""
        leased = await delivery_batches.claim(
            self._conn,
            owner=owner,
            now=now,
            lease_until=lease_until,
            limit=limit,
            channel=channel,
        )
        return [Claimed(delivery=d, abandoned=abandoned) for d, abandoned in leased]

    async def finish_many(self, items: Sequence[Finished], *, now: datetime) -> None:
        """Record many outcomes at once (each as ``finish`` would, rows whose lease this
        worker lost are left alone), in one statement."""
        await delivery_batches.finish_many(self._conn, items, now=now)

    async def freshness(
        self,
        incident_ids: set[int],
        pairs: set[tuple[int, str]],
        phones: Collection[str] = (),
    ) -> Freshness:
        """What the last check before a send needs: the incidents' close times and the
        confirmation states of (incident, person) ``pairs``, the resident ``phones`` still
        subscribed."""
        return await delivery_batches.freshness(self._conn, incident_ids, pairs, phones)

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
