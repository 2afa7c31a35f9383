"""The durable outbox: workers lease due messages, hand them to channels, record outcomes.

Each channel kind has its own workers, paced by its limits, so a slow channel (SMS at one per
second) never holds up a fast one. A row is claimed with a lease; if the worker dies the lease
runs out and another worker takes the row again — for SMS only after asking Twilio whether
the message went out after all, so nobody gets the same SMS twice. Transient failures are
retried with exponential backoff (the provider's ``retry_after`` wins when longer) up to
``max_attempts``; permanent failures and exhausted retries hand the message to the person's
next channel (``beredskab.fallback``) and are written to the situation log.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from beredskab import fallback
from beredskab.models import ActionToken, Delivery
from beredskab.pacing import PaceLimits, Pacer
from beredskab.settings import OutboxSettings
from beredskab.storage import Database
from beredskab.storage.repositories.deliveries import Claimed
from notifier.base import Channel
from notifier.errors import (
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnknownOutcomeError,
)
from notifier.types import Button, ChannelKind, DeliveryStatus, Message, Recipient

log = logging.getLogger(__name__)

UNKNOWN = "UnknownOutcomeError"
RECEIPT_CHANNELS = [ChannelKind.SMS, ChannelKind.VOICE]
"""Channels whose provider reports delivery later; "sent" there is not yet confirmed."""

BUTTON_LABELS: dict[str, dict[str, str]] = {
    "ack": {"da": "Modtaget", "en": "Received"},
    "decline": {"da": "Kan ikke", "en": "Cannot come"},
}


@runtime_checkable
class Reconciler(Protocol):
    """A channel that can tell whether a message already went out (Twilio SMS)."""

    async def find_recent(self, to: str, since: datetime, body: str | None = None) -> list[str]:
        """Provider ids of matching messages sent since ``since``."""
        ...


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


def message_for(
    delivery: Delivery, tokens: list[ActionToken] | None = None
) -> tuple[Recipient, Message]:
    """The channel-level view of an outbox row."""
    recipient = Recipient(
        person_id=delivery.person_id,
        kind=delivery.channel,
        address=delivery.address,
        language=delivery.language,
    )
    message = Message(
        key=f"delivery-{delivery.id}",
        subject=delivery.subject,
        text=delivery.text,
        short_text=delivery.short_text,
        topic=str(delivery.incident_id or ""),
        buttons=tuple(Button(label=t.label, key=t.token) for t in tokens or []),
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
        pacing: Mapping[ChannelKind, PaceLimits] | None = None,
    ) -> None:
        self._db = db
        self._channels = dict(channels)
        self._settings = settings
        self._backoff = Backoff(
            settings.backoff_base_seconds, settings.backoff_max_seconds, settings.max_attempts
        )
        limits = pacing or {}
        self._pacers = {kind: Pacer(limits.get(kind, PaceLimits())) for kind in self._channels}
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Tell idle workers that new messages were queued."""
        self._wake.set()

    async def run_once(self, *, kind: ChannelKind | None = None, owner: str | None = None) -> int:
        """One round: due fallbacks, then one paced batch per channel; returns rows handled."""
        owner = owner or uuid.uuid4().hex[:12]
        handled = await self.check_fallbacks()
        for channel_kind in [kind] if kind else list(self._channels):
            handled += await self._round(channel_kind, owner)
        return handled

    async def drain(self) -> int:
        """Deliver until nothing is due now (retries scheduled later stay queued)."""
        total = 0
        while handled := await self.run_once():
            total += handled
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Run the workers until ``stop`` is set; in-flight sends finish first."""
        workers = [
            self._worker(kind, stop)
            for kind in self._channels
            for _ in range(self._settings.workers)
        ]
        await asyncio.gather(*workers, self._fallback_loop(stop))

    async def check_fallbacks(self) -> int:
        """Hand over messages not confirmed sent within ``fallback_after_seconds``."""
        async with self._db.transaction() as tx:
            cutoff = tx.now - timedelta(seconds=self._settings.fallback_after_seconds)
            overdue = await tx.deliveries.overdue_for_fallback(
                created_before=cutoff, limit=100, receipt_channels=RECEIPT_CHANNELS
            )
            minutes = round(self._settings.fallback_after_seconds / 60, 1)
            for row in overdue:
                await fallback.after_failure(tx, row, f"ikke bekræftet leveret inden {minutes} min")
        return len(overdue)

    async def _round(self, kind: ChannelKind, owner: str) -> int:
        settings = self._settings
        limit = self._pacers[kind].claim_limit(
            lease_seconds=settings.lease_seconds, batch_size=settings.batch_size
        )
        async with self._db.transaction() as tx:
            batch = await tx.deliveries.claim(
                owner=owner,
                now=tx.now,
                lease_until=tx.now + timedelta(seconds=settings.lease_seconds),
                limit=limit,
                channel=kind,
            )
        await asyncio.gather(*(self._deliver(claimed, owner) for claimed in batch))
        return len(batch)

    async def _worker(self, kind: ChannelKind, stop: asyncio.Event) -> None:
        owner = uuid.uuid4().hex[:12]
        while not stop.is_set():
            if await self._round(kind, owner):
                continue
            await self._idle(stop)

    async def _fallback_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if await self.check_fallbacks():
                self.wake()
            await self._idle(stop)

    async def _idle(self, stop: asyncio.Event) -> None:
        self._wake.clear()
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        await asyncio.wait(
            waiters, timeout=self._settings.poll_seconds, return_when=asyncio.FIRST_COMPLETED
        )
        for waiter in waiters:
            waiter.cancel()

    async def _deliver(self, claimed: Claimed, owner: str) -> None:
        delivery = claimed.delivery
        channel = self._channels.get(delivery.channel)
        if channel is None:
            await self._fail(delivery, owner, f"no channel configured for {delivery.channel.value}")
            return
        uncertain = claimed.abandoned or (delivery.error or "").startswith(UNKNOWN)
        reconcilable = uncertain and isinstance(channel, Reconciler)
        if reconcilable and await self._reconcile(channel, delivery, owner):  # type: ignore[arg-type]
            return
        tokens = await self._tokens(delivery) if delivery.actions else []
        recipient, message = message_for(delivery, tokens)
        try:
            async with self._pacers[delivery.channel].turn(delivery.address):
                async with asyncio.timeout(self._settings.lease_seconds * 0.8):
                    receipt = await channel.send(recipient, message)
        except PermanentDeliveryError as exc:
            await self._fail(delivery, owner, str(exc))
        except (TransientDeliveryError, UnknownOutcomeError, TimeoutError, OSError) as exc:
            if isinstance(exc, TimeoutError):
                exc = UnknownOutcomeError(f"no answer within {self._settings.lease_seconds * 0.8}s")
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

    async def _reconcile(self, channel: Reconciler, delivery: Delivery, owner: str) -> bool:
        """Ask the provider whether an uncertain send went out; True if it did (recorded)."""
        since = delivery.created_at - timedelta(minutes=1)
        try:
            found = await channel.find_recent(delivery.address, since, delivery.short_text)
        except DeliveryError as exc:
            await self._retry(delivery, owner, f"{UNKNOWN}: lookup failed: {exc}", None)
            return True
        if not found:
            return False
        async with self._db.transaction() as tx:
            await tx.deliveries.finish(
                delivery.id,
                owner=owner,
                status=DeliveryStatus.SENT,
                now=tx.now,
                provider_id=found[0],
            )
        log.info("delivery %s had already gone out as %s", delivery.id, found[0])
        return True

    async def _tokens(self, delivery: Delivery) -> list[ActionToken]:
        """Opaque button tokens for this delivery, created once."""
        async with self._db.transaction() as tx:
            existing = await tx.people.tokens_for(delivery.id)
            if existing or delivery.channel is not ChannelKind.TELEGRAM:
                return existing
            language = "en" if delivery.language == "en" else "da"
            tokens = [
                ActionToken(
                    token=secrets.token_urlsafe(16),
                    delivery_id=delivery.id,
                    incident_id=delivery.incident_id,
                    person_id=delivery.person_id,
                    action=action,
                    label=BUTTON_LABELS[action][language],
                    created_at=tx.now,
                    used_at=None,
                )
                for action in delivery.actions.split()
                if action in BUTTON_LABELS
            ]
            await tx.people.add_tokens(tokens)
            return tokens

    async def _retry(
        self, delivery: Delivery, owner: str, error: str, retry_after: float | None
    ) -> None:
        if delivery.attempts >= self._backoff.max_attempts:
            await self._fail(
                delivery, owner, f"gave up after {delivery.attempts} attempts: {error}"
            )
            return
        log.warning("delivery %s attempt %s failed: %s", delivery.id, delivery.attempts, error)
        delay = self._backoff.delay(delivery.attempts, retry_after)
        async with self._db.transaction() as tx:
            await tx.deliveries.finish(
                delivery.id,
                owner=owner,
                status=DeliveryStatus.QUEUED,
                now=tx.now,
                error=error,
                retry_at=tx.now + timedelta(seconds=delay),
            )

    async def _fail(self, delivery: Delivery, owner: str, error: str) -> None:
        async with self._db.transaction() as tx:
            recorded = await tx.deliveries.finish(
                delivery.id, owner=owner, status=DeliveryStatus.FAILED, now=tx.now, error=error
            )
            if recorded:
                await fallback.after_failure(tx, delivery, error)
        self.wake()
