"""The durable outbox: workers lease due messages, hand them to channels, record outcomes.

A row is claimed with a lease; if the worker dies the lease runs out and another worker takes
the row again. Transient failures are retried with exponential backoff (the provider's
``retry_after`` wins when longer) up to ``max_attempts``; permanent failures and exhausted
retries mark the row failed and write a situation-log entry.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from beredskab import situation_log
from beredskab.models import Delivery, EntryKind
from beredskab.settings import OutboxSettings
from beredskab.storage import Database
from notifier.base import Channel
from notifier.errors import PermanentDeliveryError, TransientDeliveryError, UnknownOutcomeError
from notifier.types import ChannelKind, DeliveryStatus, Message, Recipient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff bounded by ``max_seconds`` and ``max_attempts``."""

    base_seconds: float
    max_seconds: float
    max_attempts: int

    def __post_init__(self) -> None:
        if self.base_seconds <= 0 or self.max_seconds < self.base_seconds:
            raise ValueError("backoff needs 0 < base_seconds <= max_seconds")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        exponential = min(self.max_seconds, self.base_seconds * 2.0 ** (attempt - 1))
        return max(exponential, retry_after or 0.0)


def message_for(delivery: Delivery) -> tuple[Recipient, Message]:
    """The channel-level view of an outbox row."""
    recipient = Recipient(
        person_id=delivery.person_id, kind=delivery.channel, address=delivery.address
    )
    message = Message(
        key=f"delivery-{delivery.id}",
        subject=delivery.subject,
        text=delivery.text,
        short_text=delivery.short_text,
        topic=str(delivery.incident_id or ""),
    )
    return recipient, message


class Outbox:
    """Delivers queued messages through the configured channels."""

    def __init__(
        self,
        *,
        db: Database,
        channels: Mapping[ChannelKind, Channel],
        settings: OutboxSettings,
    ) -> None:
        self._db = db
        self._channels = dict(channels)
        self._settings = settings
        self._backoff = Backoff(
            settings.backoff_base_seconds, settings.backoff_max_seconds, settings.max_attempts
        )
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Tell idle workers that new messages were queued."""
        self._wake.set()

    async def run_once(self, *, owner: str | None = None) -> int:
        """Claim one batch of due messages and deliver it; returns how many were attempted."""
        owner = owner or uuid.uuid4().hex[:12]
        async with self._db.transaction() as tx:
            batch = await tx.deliveries.claim(
                owner=owner,
                now=tx.now,
                lease_until=tx.now + timedelta(seconds=self._settings.lease_seconds),
                limit=self._settings.batch_size,
            )
        for delivery in batch:
            await self._deliver(delivery, owner)
        return len(batch)

    async def drain(self) -> int:
        """Deliver until nothing is due now (retries scheduled later stay queued)."""
        total = 0
        while attempted := await self.run_once():
            total += attempted
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Run ``settings.workers`` workers until ``stop`` is set, then finish in-flight work."""
        await asyncio.gather(*(self._worker(stop) for _ in range(self._settings.workers)))

    async def _worker(self, stop: asyncio.Event) -> None:
        owner = uuid.uuid4().hex[:12]
        while not stop.is_set():
            if await self.run_once(owner=owner):
                continue
            self._wake.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
            await asyncio.wait(
                waiters, timeout=self._settings.poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in waiters:
                waiter.cancel()

    async def _deliver(self, delivery: Delivery, owner: str) -> None:
        channel = self._channels.get(delivery.channel)
        if channel is None:
            await self._fail(delivery, owner, f"no channel configured for {delivery.channel.value}")
            return
        recipient, message = message_for(delivery)
        try:
            async with asyncio.timeout(self._settings.lease_seconds * 0.8):
                receipt = await channel.send(recipient, message)
        except PermanentDeliveryError as exc:
            await self._fail(delivery, owner, str(exc))
        except (TransientDeliveryError, UnknownOutcomeError, TimeoutError, OSError) as exc:
            retry_after = exc.retry_after if isinstance(exc, TransientDeliveryError) else None
            await self._retry(delivery, owner, f"{type(exc).__name__}: {exc}", retry_after)
        else:
            async with self._db.transaction() as tx:
                await tx.deliveries.finish(
                    delivery.id,
                    owner=owner,
                    status=receipt.status,
                    now=tx.now,
                    provider_id=receipt.provider_id,
                )

    async def _retry(
        self, delivery: Delivery, owner: str, error: str, retry_after: float | None
    ) -> None:
        if delivery.attempts >= self._backoff.max_attempts:
            await self._fail(
                delivery, owner, f"gave up after {delivery.attempts} attempts: {error}"
            )
            return
        log.warning("delivery %s attempt %s failed: %s", delivery.id, delivery.attempts, error)
        async with self._db.transaction() as tx:
            await tx.deliveries.finish(
                delivery.id,
                owner=owner,
                status=DeliveryStatus.QUEUED,
                now=tx.now,
                error=error,
                retry_at=tx.now
                + timedelta(seconds=self._backoff.delay(delivery.attempts, retry_after)),
            )

    async def _fail(self, delivery: Delivery, owner: str, error: str) -> None:
        async with self._db.transaction() as tx:
            recorded = await tx.deliveries.finish(
                delivery.id, owner=owner, status=DeliveryStatus.FAILED, now=tx.now, error=error
            )
            if recorded and delivery.incident_id is not None:
                await situation_log.append(
                    tx,
                    incident_id=delivery.incident_id,
                    kind=EntryKind.DELIVERY,
                    actor="system",
                    text=f"Besked til {delivery.person_id} via {delivery.channel.value} "
                    f"({delivery.address}) kunne ikke leveres: {error}",
                )
