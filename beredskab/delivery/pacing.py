"""Per-channel pacing for the outbox: an overall rate, a per-address rate, a concurrency cap.

Pacing never drops: a message waits its turn. Every start is decided on the clock when it
happens (``notifier.ratelimit.SendSchedule``), so after a stalled event loop the sends resume
evenly spaced instead of in a clump: a channel never starts more than its rate's worth in
any one-second window (Telegram 30 overall and 1 per chat, Twilio 100 per messaging service
or 1 per number), whatever the timing of its workers, which share one ``Pacer``. The outbox
claims no more rows of a channel than it can send within half a lease, so paced rows never
outlive their lease.

A channel's concurrency (sends in the air at once) is sized from its rate and the
provider's expected answer time (``concurrency_for``): at Twilio's 100/s and ~0.3 s per
request, 30 sends are in the air just to keep the rate, so a fixed cap of 16 held SMS to
about 53/s. Email's is its SMTP connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from notifier import wire
from notifier.ratelimit import KeyedSchedules, SendSchedule
from notifier.types import ChannelKind

if TYPE_CHECKING:
    from beredskab.settings import Settings

MIN_CONCURRENCY = 4
"""The fewest sends a paced channel may have in the air (a slow sender: 1 SMS/s)."""
LATENCY_HEADROOM = 2.0
"""Room above the expected answer time, so a slower spell does not cut the rate at once."""


def concurrency_for(rate_per_second: float, latency_seconds: float) -> int:
    """Sends in the air that keep ``rate_per_second`` going when each takes
    ``latency_seconds`` (Little's law: rate × latency), with ``LATENCY_HEADROOM``, at least
    ``MIN_CONCURRENCY``: 60 at 100/s and 0.3 s, 18 at 30/s, 4 at 1/s."""
    if rate_per_second <= 0 or latency_seconds <= 0:
        raise ValueError("rate and latency must be positive")
    return max(MIN_CONCURRENCY, math.ceil(rate_per_second * latency_seconds * LATENCY_HEADROOM))


@dataclass(frozen=True)
class PaceLimits:
    """Limits of one channel; ``None`` means unlimited."""

    rate_per_second: float | None = None
    per_address_per_second: float | None = None
    concurrency: int = 16

    def __post_init__(self) -> None:
        for value in (self.rate_per_second, self.per_address_per_second):
            if value is not None and value <= 0:
                raise ValueError("rates must be positive")
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")


@dataclass
class Pacer:
    """Applies one channel's limits, shared by all of the channel's workers."""

    limits: PaceLimits
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _overall: SendSchedule | None = field(init=False, default=None)
    _per_address: KeyedSchedules[str] | None = field(init=False, default=None)
    _slots: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        if self.limits.rate_per_second:
            self._overall = SendSchedule(
                self.limits.rate_per_second, clock=self.clock, sleep=self.sleep
            )
        if self.limits.per_address_per_second:
            self._per_address = KeyedSchedules(
                self.limits.per_address_per_second, clock=self.clock, sleep=self.sleep
            )
        self._slots = asyncio.Semaphore(self.limits.concurrency)

    def claim_limit(self, *, lease_seconds: float, batch_size: int) -> int:
        """How many rows to lease at once so all are sent well within the lease."""
        rate = self.limits.rate_per_second
        if rate is None:
            return batch_size
        return max(1, min(batch_size, math.floor(rate * lease_seconds / 2)))

    @contextlib.asynccontextmanager
    async def turn(
        self, address: str, ready: Callable[[], Awaitable[bool]] | None = None
    ) -> AsyncIterator[bool]:
        """Wait for this address's turn, a concurrency slot and the channel's next start
        slot; yields whether to send (the block is the send).

        ``ready`` is the last look before a send (False: do not send, and no start slot is
        taken); it is asked once this send is next in line for its start slot, so the look
        is at most about one interval old when the send starts, and nothing waits between
        the start slot and the send: what the provider receives is spaced as the slots are.
        The address's start is recorded when the channel's slot is granted, and its next
        message waits for this one's block to end. Both starts move to the moment the
        request's bytes are written when the channel reports it (``notifier.wire``), so a
        send that leaves late holds back the sends a window after it.
        """
        async with contextlib.AsyncExitStack() as stack:
            address_started: Callable[[], float] | None = None
            if self._per_address is not None:
                address_started = await stack.enter_async_context(self._per_address.turn(address))
            await stack.enter_async_context(self._slots)
            overall_at: float | None = None
            if self._overall is not None:
                overall_at = await self._overall.acquire(ready)
                go = overall_at is not None
            else:
                go = ready is None or await ready()
            address_at = address_started() if go and address_started is not None else None

            def wired() -> None:  # the request's bytes are written now (notifier.wire)
                nonlocal overall_at, address_at
                now = self.clock()
                if overall_at is not None and self._overall is not None:
                    overall_at = self._overall.window.wired(overall_at, now)
                if address_at is not None and self._per_address is not None:
                    address_at = self._per_address.wired(address, address_at, now)

            with wire.stamping(wired):
                yield go


def from_settings(settings: Settings) -> dict[ChannelKind, PaceLimits]:
    """Per-channel limits from the settings (the console channel is not paced)."""
    limits: dict[ChannelKind, PaceLimits] = {}
    if settings.twilio.enabled:
        twilio = settings.twilio
        sms = PaceLimits(
            rate_per_second=twilio.rate_per_second,
            concurrency=concurrency_for(twilio.rate_per_second, twilio.expected_latency_seconds),
        )
        limits[ChannelKind.SMS] = limits[ChannelKind.VOICE] = sms
    if settings.smtp.enabled:
        limits[ChannelKind.EMAIL] = PaceLimits(concurrency=settings.smtp.connections)
    if settings.telegram.enabled:
        telegram = settings.telegram
        limits[ChannelKind.TELEGRAM] = PaceLimits(
            rate_per_second=telegram.rate_per_second,
            per_address_per_second=telegram.per_chat_per_second,
            concurrency=concurrency_for(
                telegram.rate_per_second, telegram.expected_latency_seconds
            ),
        )
    return limits
