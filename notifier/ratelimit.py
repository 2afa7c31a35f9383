"""Pacing outbound traffic: callers wait their turn, nothing is dropped.

``SendSchedule`` (and ``KeyedSchedules``, one per chat or sender) paces sends to a provider:
it decides each start on the clock at the moment the start happens, so a stalled event loop
delays sends but never lets them out in a clump afterwards: at most ``capacity`` starts fall
in any ``window`` seconds (the provider's own sliding window), and starts are spaced
``1 / rate`` apart. The outbox paces with it (``beredskab.delivery.pacing``).

A ``TokenBucket`` holds up to ``burst`` tokens and refills at ``rate`` tokens per second.
``acquire`` reserves a token at once (the balance may go negative, which queues later callers
behind earlier ones in call order) and then sleeps until that token has accrued; callers that
slept through a stall all wake together, so buckets suit limits on people (sign-in attempts),
not a provider's window. The clock and the sleep function are injectable so tests run without
real waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
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


def window_of(rate: float) -> tuple[int, float]:
    """``(capacity, window)``: a rate of 30/s is 30 starts in any 1 s; a rate below 1/s (0.5/s)
    is one start in any ``1 / rate`` seconds. Providers count this way (Telegram's 30/s and
    1/s per chat, Twilio's 100/s per messaging service and 1/s per number)."""
    if rate <= 0:
        raise ValueError(f"rate must be positive, got {rate!r}")
    capacity = max(1, math.floor(rate)) if rate >= 1 else 1
    return capacity, capacity / rate


class SendWindow:
    """The starts of one sender: when may the next one go (no waiting, no locking).

    Two rules, both checked against the clock when a start happens:
    - at most ``capacity`` starts in any ``window`` seconds (a log of the last starts), and
    - starts follow a schedule ``1 / rate`` apart. A start up to one interval late (a busy
      event loop) keeps the schedule, the next one coming at most half an interval early, so
      the rate holds under small wake-up delays; after a longer stall (or idleness) the
      schedule starts afresh from the real start, so a stall is followed by evenly spaced
      starts, never a burst.
    """

    def __init__(self, rate: float) -> None:
        self.rate = float(rate)
        self.capacity, self.window = window_of(rate)
        self.interval = 1.0 / self.rate
        self._starts: deque[float] = deque(maxlen=self.capacity)
        self._next = -math.inf

    def wait(self, now: float) -> float:
        """Seconds until a start at ``now`` would be allowed (0: allowed now)."""
        wait = self._next - now
        if len(self._starts) == self.capacity:
            wait = max(wait, self._starts[0] + self.window - now)
        return wait if wait > 1e-9 else 0.0

    def start(self, now: float) -> None:
        """Record a start at ``now``."""
        self._starts.append(now)
        if now - self._next >= self.interval:  # idle, or a long stall: start afresh
            self._next = now + self.interval
        else:  # on time, or a little late: keep the schedule, making up half an interval
            self._next = max(self._next, now - self.interval / 2) + self.interval

    def wired(self, started: float, now: float) -> float:
        """The start recorded at ``started`` reached the wire at ``now``: the window counts
        it from then (a later stamp only; ``notifier.wire``). Returns the stamp now held."""
        if now <= started:
            return started
        for i in range(len(self._starts) - 1, -1, -1):
            if self._starts[i] == started:
                self._starts[i] = now
                break
        return now

    def idle(self, now: float) -> bool:
        """True when the last start is a whole window ago (forgetting it changes nothing)."""
        return not self._starts or now - self._starts[-1] >= self.window


class SendSchedule:
    """Hands out start slots of one ``SendWindow`` to callers in arrival order."""

    def __init__(self, rate: float, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep):
        self.window = SendWindow(rate)
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self.users = 0

    @contextlib.asynccontextmanager
    async def _first_in_line(self) -> AsyncIterator[None]:
        self.users += 1
        try:
            async with self._lock:
                yield
        finally:
            self.users -= 1

    async def _until_allowed(self) -> None:
        while (wait := self.window.wait(self._clock())) > 0:
            await self._sleep(wait)

    def _started(self) -> float:
        now = self._clock()
        self.window.start(now)
        return now

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[Callable[[], float]]:
        """Wait (first come, first served) until a start is allowed; inside, call the yielded
        function when the send starts (it records the start on the clock and returns it). The
        next caller waits until this block is left."""
        async with self._first_in_line():
            await self._until_allowed()
            yield self._started

    async def acquire(self, ready: Callable[[], Awaitable[bool]] | None = None) -> float | None:
        """Wait for a start slot and take it at once; returns when (on the clock).

        ``ready`` (a last check before the send) is awaited first once this caller is next
        in line, so it runs while the slot comes due and the send follows the slot at once;
        when it returns False no slot is taken and None is returned.
        """
        async with self._first_in_line():
            if ready is not None and not await ready():
                return None
            await self._until_allowed()
            return self._started()


class KeyedSchedules(Generic[K]):
    """One ``SendSchedule`` per key (a chat, a sender number), all at the same rate.

    Schedules without callers whose last start is a window ago are forgotten, so memory stays
    bounded by the keys active within the last window.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        prune_every: int = 1024,
    ) -> None:
        window_of(rate)  # validates the rate
        self.rate = float(rate)
        self._clock = clock
        self._sleep = sleep
        self._prune_every = prune_every
        self._schedules: dict[K, SendSchedule] = {}
        self._calls = 0

    def __len__(self) -> int:
        return len(self._schedules)

    def prune(self) -> None:
        """Forget schedules nobody waits on whose last start is a window ago."""
        now = self._clock()
        for key in [
            key
            for key, schedule in self._schedules.items()
            if not schedule.users and schedule.window.idle(now)
        ]:
            del self._schedules[key]

    def wired(self, key: K, started: float, now: float) -> float:
        """``SendWindow.wired`` of ``key``'s schedule (kept while its turn is held)."""
        schedule = self._schedules.get(key)
        return started if schedule is None else schedule.window.wired(started, now)

    def turn(self, key: K) -> contextlib.AbstractAsyncContextManager[Callable[[], float]]:
        """``SendSchedule.turn`` of ``key``'s schedule."""
        self._calls += 1
        if self._calls % self._prune_every == 0:
            self.prune()
        schedule = self._schedules.get(key)
        if schedule is None:
            schedule = SendSchedule(self.rate, clock=self._clock, sleep=self._sleep)
            self._schedules[key] = schedule
        return schedule.turn()
