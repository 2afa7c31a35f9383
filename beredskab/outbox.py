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
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from beredskab import fallback, links
from beredskab.links import LinkSigner
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

RECORD_GROUP = 100
RECORD_SECONDS = 0.05
"""On channels that can reconcile (SMS), outcomes are written in groups of up to 100, at least
every 50 ms while sends complete. Elsewhere each outcome is written at once: a crash between
a provider's acceptance and our record would re-send that message, so the window stays as
short as one commit (a re-sent email keeps its Message-ID, which mail clients collapse)."""


@runtime_checkable
class Reconciler(Protocol):
    """A channel that can tell whether a message already went out (Twilio SMS)."""

    async def find_recent(self, to: str, since: datetime, body: str | None = None) -> list[str]:
        """Provider ids of matching messages sent since ``since``."""
        ...


@dataclass(frozen=True)
class Outcome:
    """What happened to one send: "sent", "retry" (transient) or "fail" (permanent)."""

    delivery: Delivery
    kind: str
    status: DeliveryStatus = DeliveryStatus.SENT
    provider_id: str | None = None
    error: str | None = None
    retry_after: float | None = None


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
    delivery: Delivery,
    tokens: list[ActionToken] | None = None,
    *,
    link_base: str | None = None,
    signer: LinkSigner | None = None,
) -> tuple[Recipient, Message]:
    """The channel-level view of an outbox row.

    Telegram rows get their tokens as buttons; an email row with an "ack" token gets the
    personal signed acknowledgement link (when ``link_base`` and ``signer`` are given).
    """
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
        buttons=tuple(Button(label=t.label, key=t.token) for t in tokens or [])
        if delivery.channel is not ChannelKind.EMAIL
        else (),
        link=_ack_link(delivery, tokens or [], link_base, signer),
    )
    return recipient, message


def _ack_link(
    delivery: Delivery,
    tokens: list[ActionToken],
    link_base: str | None,
    signer: LinkSigner | None,
) -> str | None:
    if delivery.channel is not ChannelKind.EMAIL or link_base is None or signer is None:
        return None
    ack = next((t for t in tokens if t.action == "ack"), None)
    return None if ack is None else links.url(link_base, signer, ack.token)


class Outbox:
    """Delivers queued messages through the configured channels."""

    def __init__(
        self,
        *,
        db: Database,
        channels: Mapping[ChannelKind, Channel],
        settings: OutboxSettings,
        pacing: Mapping[ChannelKind, PaceLimits] | None = None,
        link_base: str | None = None,
        signer: LinkSigner | None = None,
    ) -> None:
        self._db = db
        self._link_base = link_base
        self._signer = signer
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
        """Lease a paced batch of one channel, send it, record outcomes in small groups."""
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
            tokens = await tx.people.tokens_for_many([c.delivery.id for c in batch])
        sends = [asyncio.ensure_future(self._send(c, tokens.get(c.delivery.id, []))) for c in batch]
        done: list[Outcome] = []
        flushed = time.monotonic()
        group = RECORD_GROUP if isinstance(self._channels.get(kind), Reconciler) else 1
        for next_done in asyncio.as_completed(sends):
            done.append(await next_done)
            if len(done) >= group or time.monotonic() - flushed > RECORD_SECONDS:
                await self._record(done, owner)
                done, flushed = [], time.monotonic()
        if done:
            await self._record(done, owner)
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

    async def _send(self, claimed: Claimed, tokens: list[ActionToken]) -> Outcome:
        """Hand one leased row to its channel (after reconciling an uncertain earlier try)."""
        delivery = claimed.delivery
        channel = self._channels.get(delivery.channel)
        if channel is None:
            return Outcome(delivery, "fail", error=f"no channel for {delivery.channel.value}")
        uncertain = claimed.abandoned or (delivery.error or "").startswith(UNKNOWN)
        if uncertain and isinstance(channel, Reconciler):
            since = delivery.created_at - timedelta(minutes=1)
            try:
                found = await channel.find_recent(delivery.address, since, delivery.short_text)
            except DeliveryError as exc:
                return Outcome(delivery, "retry", error=f"{UNKNOWN}: lookup failed: {exc}")
            if found:
                log.info("delivery %s had already gone out as %s", delivery.id, found[0])
                return Outcome(delivery, "sent", status=DeliveryStatus.SENT, provider_id=found[0])
        recipient, message = message_for(
            delivery, tokens, link_base=self._link_base, signer=self._signer
        )
        try:
            async with self._pacers[delivery.channel].turn(delivery.address):
                async with asyncio.timeout(self._settings.lease_seconds * 0.8):
                    receipt = await channel.send(recipient, message)
        except PermanentDeliveryError as exc:
            return Outcome(delivery, "fail", error=str(exc))
        except (TransientDeliveryError, UnknownOutcomeError, TimeoutError, OSError) as exc:
            if isinstance(exc, TimeoutError):
                exc = UnknownOutcomeError(f"no answer within {self._settings.lease_seconds * 0.8}s")
            retry_after = exc.retry_after if isinstance(exc, TransientDeliveryError) else None
            return Outcome(
                delivery, "retry", error=f"{type(exc).__name__}: {exc}", retry_after=retry_after
            )
        return Outcome(delivery, "sent", status=receipt.status, provider_id=receipt.provider_id)

    async def _record(self, outcomes: list[Outcome], owner: str) -> None:
        """Write a group of outcomes in one transaction (failures hand over to fallback)."""
        handed_over = False
        async with self._db.transaction() as tx:
            for outcome in outcomes:
                delivery, error = outcome.delivery, outcome.error
                if outcome.kind == "retry" and delivery.attempts < self._backoff.max_attempts:
                    log.warning("delivery %s attempt %s: %s", delivery.id, delivery.attempts, error)
                    delay = self._backoff.delay(delivery.attempts, outcome.retry_after)
                    await tx.deliveries.finish(
                        delivery.id,
                        owner=owner,
                        status=DeliveryStatus.QUEUED,
                        now=tx.now,
                        error=error,
                        retry_at=tx.now + timedelta(seconds=delay),
                    )
                elif outcome.kind == "sent":
                    await tx.deliveries.finish(
                        delivery.id,
                        owner=owner,
                        status=outcome.status,
                        now=tx.now,
                        provider_id=outcome.provider_id,
                    )
                else:
                    if outcome.kind == "retry":
                        error = f"gave up after {delivery.attempts} attempts: {error}"
                    if await tx.deliveries.finish(
                        delivery.id,
                        owner=owner,
                        status=DeliveryStatus.FAILED,
                        now=tx.now,
                        error=error,
                    ):
                        await fallback.after_failure(tx, delivery, error or "ukendt fejl")
                        handed_over = True
        if handed_over:
            self.wake()
