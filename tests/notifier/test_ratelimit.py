"""Token bucket pacing, driven by a fake clock (no real sleeping)."""

from __future__ import annotations

import asyncio

import pytest

from notifier.ratelimit import (
    KeyedSchedules,
    KeyedTokenBucket,
    SendSchedule,
    SendWindow,
    TokenBucket,
    window_of,
)


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


@pytest.mark.parametrize(
    ("rate", "capacity", "window"),
    [(30, 30, 1.0), (1, 1, 1.0), (100, 100, 1.0), (0.5, 1, 2.0), (2.5, 2, 0.8)],
)
def test_window_of_a_rate(rate: float, capacity: int, window: float) -> None:
    assert window_of(rate) == (capacity, pytest.approx(window))


def test_send_window_caps_starts_in_any_window_and_spaces_them() -> None:
    window = SendWindow(3)
    assert window.wait(10.0) == 0
    window.start(10.0)
    assert window.wait(10.0) == pytest.approx(1 / 3)  # spaced
    window.start(10.5)  # 1/6 s late (a busy loop): the schedule is kept ...
    assert window.wait(10.5) == pytest.approx(1 / 6)  # ... and the next one catches up
    window.start(10.5 + 1 / 6)
    assert window.wait(11.0) == 0
    window.start(11.0)
    # the schedule would allow 11.333, but 10.5, 10.667 and 11.0 fill the window until 11.5
    assert window.wait(11.0) == pytest.approx(0.5)


def test_send_window_after_a_long_stall_starts_afresh() -> None:
    window = SendWindow(30)
    window.start(0.0)
    window.start(5.0)  # five seconds late
    assert window.wait(5.0) == pytest.approx(1 / 30)  # not a burst to catch up


async def test_schedule_serves_in_arrival_order_and_records_real_starts() -> None:
    clock = FakeClock()
    schedule = SendSchedule(2, clock=clock, sleep=clock.sleep)
    order: list[int] = []

    async def one(i: int) -> None:
        await schedule.acquire()
        order.append(i)

    await asyncio.gather(*(one(i) for i in range(4)))
    assert order == [0, 1, 2, 3]
    assert clock.now == pytest.approx(1001.5)  # 0, 0.5, 1.0, 1.5 s after the start


async def test_cancelled_wait_takes_no_slot() -> None:
    clock = FakeClock()
    never = asyncio.Event()

    async def stuck(seconds: float) -> None:
        await never.wait()

    schedule = SendSchedule(1, clock=clock, sleep=stuck)
    await schedule.acquire()
    waiting = asyncio.create_task(schedule.acquire())
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert schedule.users == 0
    clock.now += 1
    assert await schedule.acquire() == pytest.approx(1001.0)  # the cancelled wait took nothing


async def test_keyed_schedules_forget_idle_keys_only() -> None:
    clock = FakeClock()
    keyed: KeyedSchedules[str] = KeyedSchedules(1, clock=clock, sleep=clock.sleep)
    for key in ("a", "b"):
        async with keyed.turn(key) as started:
            started()
    clock.now += 0.5
    keyed.prune()
    assert len(keyed) == 2  # their last starts are within the window
    clock.now += 0.5
    keyed.prune()
    assert len(keyed) == 0


def test_a_start_that_reaches_the_wire_late_is_counted_from_then() -> None:
    window = SendWindow(3)
    for at in (10.0, 10.34, 10.67):
        window.start(at)
    assert window.wait(11.0) == 0  # by permission, 10.0 has left the window
    assert window.wired(10.0, 10.08) == 10.08  # its bytes left 80 ms late
    assert window.wait(11.0) == pytest.approx(0.08)
    assert window.wired(10.08, 10.05) == 10.08  # a stamp never moves earlier
    assert window.wait(11.0) == pytest.approx(0.08)
