"""Token buckets for pacing outbound traffic: callers wait for a token, nothing is dropped.

A bucket holds up to ``burst`` tokens and refills at ``rate`` tokens per second. ``acquire``
reserves a token at once (the balance may go negative, which queues later callers behind
earlier ones in call order) and then sleeps until that token has accrued. The clock and the
sleep function are injectable so tests run without real waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
K = TypeVar("K", bound=Hashable)


class TokenBucket:
    """Paces callers to ``rate`` per second with bursts of up to ``burst``."""

    def __init__(
        self,
        rate: float,
        burst: float = 1.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate!r}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst!r}")
        self.rate = float(rate)
        self.burst = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)

    @property
    def tokens(self) -> float:
        """Tokens available now (negative while callers are queued)."""
        self._refill()
        return self._tokens

    @property
    def idle(self) -> bool:
        """True when the bucket is full, i.e. forgetting it changes nothing."""
        return self.tokens >= self.burst

    def reserve(self, tokens: float = 1.0) -> float:
        """Take ``tokens`` now and return how many seconds the caller must wait for them."""
        if tokens <= 0 or tokens > self.burst:
            raise ValueError(f"tokens must be in (0, {self.burst}], got {tokens!r}")
        self._refill()
        self._tokens -= tokens
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def refund(self, tokens: float = 1.0) -> None:
        """Give back tokens reserved by a caller that gave up before using them."""
        self._refill()
        self._tokens = min(self.burst, self._tokens + tokens)

    async def acquire(self, tokens: float = 1.0) -> None:
        """Wait until ``tokens`` may be spent; a cancelled wait returns its tokens."""
        delay = self.reserve(tokens)
        if delay <= 0:
            return
        try:
            await self._sleep(delay)
        except asyncio.CancelledError:
            self.refund(tokens)
            raise


class KeyedTokenBucket(Generic[K]):
    """One token bucket per key (per chat, per sender), all with the same rate and burst.

    Buckets that have refilled completely are forgotten, so memory stays bounded by the keys
    that were active within the last ``burst / rate`` seconds.
    """

    def __init__(
        self,
        rate: float,
        burst: float = 1.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        prune_every: int = 1024,
    ) -> None:
        TokenBucket(rate, burst, clock=clock, sleep=sleep)  # validates the arguments
        self.rate = float(rate)
        self.burst = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._prune_every = prune_every
        self._buckets: dict[K, TokenBucket] = {}
        self._calls = 0

    def __len__(self) -> int:
        return len(self._buckets)

    def bucket(self, key: K) -> TokenBucket:
        """The bucket for ``key``, created full on first use."""
        found = self._buckets.get(key)
        if found is None:
            found = TokenBucket(self.rate, self.burst, clock=self._clock, sleep=self._sleep)
            self._buckets[key] = found
        return found

    def prune(self) -> None:
        """Forget buckets that are full."""
        for key in [key for key, bucket in self._buckets.items() if bucket.idle]:
            del self._buckets[key]

    async def acquire(self, key: K, tokens: float = 1.0) -> None:
        """Wait until ``tokens`` may be spent for ``key``."""
        self._calls += 1
        if self._calls % self._prune_every == 0:
            self.prune()
        await self.bucket(key).acquire(tokens)
