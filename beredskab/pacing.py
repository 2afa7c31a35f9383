"""Per-channel pacing for the outbox: an overall rate, a per-address rate, a concurrency cap.

Pacing never drops: a message waits its turn. The outbox claims no more rows of a channel
than it can send within half a lease, so paced rows never outlive their lease.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from notifier.ratelimit import KeyedTokenBucket, TokenBucket


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
    """Applies one channel's limits."""

    limits: PaceLimits
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _overall: TokenBucket | None = field(init=False, default=None)
    _per_address: KeyedTokenBucket[str] | None = field(init=False, default=None)
    _slots: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        timing = {"clock": self.clock, "sleep": self.sleep}
        if self.limits.rate_per_second:
            self._overall = TokenBucket(self.limits.rate_per_second, **timing)  # type: ignore[arg-type]
        if self.limits.per_address_per_second:
            self._per_address = KeyedTokenBucket(
                self.limits.per_address_per_second,
                **timing,  # type: ignore[arg-type]
            )
        self._slots = asyncio.Semaphore(self.limits.concurrency)

    def claim_limit(self, *, lease_seconds: float, batch_size: int) -> int:
        """How many rows to lease at once so all are sent well within the lease."""
        rate = self.limits.rate_per_second
        if rate is None:
            return batch_size
        return max(1, min(batch_size, math.floor(rate * lease_seconds / 2)))

    @asynccontextmanager
    async def turn(self, address: str) -> AsyncIterator[None]:
        """Wait for this address's turn, then hold one concurrency slot while sending."""
        if self._per_address is not None:
            await self._per_address.acquire(address)
        if self._overall is not None:
            await self._overall.acquire()
        async with self._slots:
            yield
