"""Token bucket pacing, driven by a fake clock (no real sleeping)."""

from __future__ import annotations

import asyncio

import pytest

from notifier.ratelimit import KeyedTokenBucket, TokenBucket


class FakeClock:
    """A monotonic clock that only moves when a sleeper sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_burst_is_free_then_paced_at_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        await bucket.acquire()
    assert clock.sleeps == []
    await bucket.acquire()
    assert clock.sleeps == [pytest.approx(0.5)]


async def test_concurrent_callers_are_queued_not_dropped() -> None:
    clock = FakeClock()
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    bucket = TokenBucket(rate=10, burst=1, clock=clock, sleep=record)
    await asyncio.gather(*(bucket.acquire() for _ in range(5)))
    # All five got a token; the k-th waits k/10 s after the first (reservation order).
    assert sorted(waits) == [pytest.approx(x) for x in (0.1, 0.2, 0.3, 0.4)]


async def test_refill_over_time_is_capped_at_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=1, burst=2, clock=clock, sleep=clock.sleep)
    await bucket.acquire()
    await bucket.acquire()
    clock.now += 100
    assert bucket.tokens == pytest.approx(2)
    assert bucket.idle


async def test_cancelled_wait_refunds_its_token() -> None:
    clock = FakeClock()
    gate = asyncio.Event()

    async def blocked_sleep(seconds: float) -> None:
        await gate.wait()

    bucket = TokenBucket(rate=1, burst=1, clock=clock, sleep=blocked_sleep)
    await bucket.acquire()
    waiter = asyncio.create_task(bucket.acquire())
    await asyncio.sleep(0)
    assert bucket.tokens == pytest.approx(-1)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert bucket.tokens == pytest.approx(0)


async def test_real_clock_paces() -> None:
    bucket = TokenBucket(rate=50, burst=1)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for _ in range(4):
        await bucket.acquire()
    assert loop.time() - start >= 3 / 50 * 0.9


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0.5)])
def test_invalid_settings_are_rejected(rate: float, burst: float) -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate, burst)


async def test_too_many_tokens_at_once_is_rejected() -> None:
    with pytest.raises(ValueError):
        await TokenBucket(1, 2).acquire(3)


async def test_keyed_buckets_are_independent_and_pruned() -> None:
    clock = FakeClock()
    buckets: KeyedTokenBucket[int] = KeyedTokenBucket(
        rate=1, burst=1, clock=clock, sleep=clock.sleep
    )
    await buckets.acquire(1)
    await buckets.acquire(2)
    assert clock.sleeps == []
    await buckets.acquire(1)
    assert clock.sleeps == [pytest.approx(1.0)]
    assert len(buckets) == 2
    clock.now += 10
    buckets.prune()
    assert len(buckets) == 0
