"""Pacing: the overall rate and the per-address rate hold, nothing is dropped."""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools

import pytest

from beredskab.delivery.pacing import PaceLimits, Pacer, concurrency_for
from notifier import wire


class FakeTime:
    """A clock that only moves when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def _send_times(pacer: Pacer, fake: FakeTime, addresses: list[str]) -> list[float]:
    times: list[float] = []

    async def one(address: str) -> None:
        async with pacer.turn(address):
            times.append(fake.now)

    for address in addresses:  # in order, as the outbox hands them over
        await one(address)
    return times


async def test_one_message_per_second_per_chat() -> None:
    fake = FakeTime()
    pacer = Pacer(PaceLimits(per_address_per_second=1), clock=fake.clock, sleep=fake.sleep)
    times = await _send_times(pacer, fake, ["chat-1", "chat-1", "chat-1", "chat-2"])
    assert times[:3] == pytest.approx([0.0, 1.0, 2.0])
    assert times[3] == pytest.approx(2.0)  # another chat is not held back by chat-1's pace


async def test_overall_rate_spreads_a_burst() -> None:
    fake = FakeTime()
    pacer = Pacer(PaceLimits(rate_per_second=30), clock=fake.clock, sleep=fake.sleep)
    times = await _send_times(pacer, fake, [f"chat-{i}" for i in range(61)])
    assert len(times) == 61  # never dropped
    assert times[-1] == pytest.approx(2.0, abs=0.05)  # 60 intervals of 1/30 s


async def test_concurrency_cap() -> None:
    pacer = Pacer(PaceLimits(concurrency=2))
    inside = peak = 0
    release = asyncio.Event()

    async def one(i: int) -> None:
        nonlocal inside, peak
        async with pacer.turn(f"a{i}"):
            inside += 1
            peak = max(peak, inside)
            await release.wait()
            inside -= 1

    tasks = [asyncio.create_task(one(i)) for i in range(5)]
    for _ in range(10):
        await asyncio.sleep(0)
    assert inside == 2
    release.set()
    await asyncio.gather(*tasks)
    assert peak == 2


class VirtualTime:
    """Time that moves only when the test says so; sleepers wake exactly at their deadline
    once time has reached it. ``stall`` moves time without waking anyone, as a blocked
    event loop does."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), self._seq, future))
        await future

    @staticmethod
    async def _settle() -> None:
        for _ in range(50):
            await asyncio.sleep(0)

    async def advance(self, seconds: float) -> None:
        """Run until ``now + seconds``, waking each sleeper at its deadline."""
        target = self.now + seconds
        await self._settle()
        while self._sleepers and self._sleepers[0][0] <= target:
            self.now = max(self.now, self._sleepers[0][0])
            while self._sleepers and self._sleepers[0][0] <= self.now:
                _, _, future = heapq.heappop(self._sleepers)
                if not future.done():
                    future.set_result(None)
            await self._settle()
        self.now = target
        await self._settle()

    def stall(self, seconds: float) -> None:
        """The event loop is blocked for ``seconds``: time moves, nobody runs."""
        self.now += seconds


def _most_in_any_window(times: list[float], window: float) -> int:
    ordered = sorted(times)
    return max(
        (bisect.bisect_left(ordered, t + window - 1e-9) - i for i, t in enumerate(ordered)),
        default=0,
    )


async def _paced_sends(
    pacer: Pacer, fake: VirtualTime, addresses: list[str], script: list[tuple[str, float]]
) -> dict[str, list[float]]:
    """Start one task per address at once (as a claimed batch is dispatched), then run the
    ``script`` of ("run" | "stall", seconds); returns each address's start times."""
    starts: dict[str, list[float]] = {}

    async def one(address: str) -> None:
        async with pacer.turn(address):
            starts.setdefault(address, []).append(fake.now)
            await fake.sleep(0.1)  # the provider's latency, holding the concurrency slot

    tasks = [asyncio.create_task(one(a)) for a in addresses]
    for action, seconds in script:
        if action == "stall":
            fake.stall(seconds)
        else:
            await fake.advance(seconds)
    assert all(task.done() for task in tasks), "sends left waiting"
    await asyncio.gather(*tasks)
    return starts


@pytest.mark.parametrize(
    "script",
    [
        [("run", 0.5), ("stall", 0.7), ("run", 20)],
        [("run", 0.2), ("stall", 3.0), ("run", 0.3), ("stall", 0.45), ("run", 20)],
        [("stall", 1.5), ("run", 20)],
        [(("stall", 0.3) if i % 2 else ("run", 0.17)) for i in range(40)] + [("run", 20)],
    ],
    ids=["one-stall", "long-then-short", "stalled-from-start", "stop-and-go"],
)
async def test_after_a_stall_never_more_than_the_window_allows(
    script: list[tuple[str, float]],
) -> None:
    fake = VirtualTime()
    pacer = Pacer(
        PaceLimits(rate_per_second=30, per_address_per_second=1, concurrency=16),
        clock=fake.clock,
        sleep=fake.sleep,
    )
    # 150 chats, a third of them with a second and a third message (a person in two roles)
    addresses = [f"chat-{i}" for i in range(150)] + [f"chat-{i}" for i in range(0, 150, 3)] * 2
    starts = await _paced_sends(pacer, fake, addresses, script)
    every = [t for ts in starts.values() for t in ts]
    assert len(every) == len(addresses)  # nothing dropped
    assert _most_in_any_window(every, 1.0) <= 30
    for chat, times in starts.items():
        assert _most_in_any_window(times, 1.0) <= 1, chat


async def test_the_rate_holds_without_stalls() -> None:
    fake = VirtualTime()
    pacer = Pacer(PaceLimits(rate_per_second=30), clock=fake.clock, sleep=fake.sleep)
    starts = await _paced_sends(pacer, fake, [f"chat-{i}" for i in range(300)], [("run", 20)])
    every = sorted(t for ts in starts.values() for t in ts)
    assert every[-1] == pytest.approx(299 / 30)  # evenly spaced from the first
    gaps = [b - a for a, b in itertools.pairwise(every)]
    assert min(gaps) == pytest.approx(1 / 30)


async def test_twilio_messaging_service_rate_after_a_stall() -> None:
    fake = VirtualTime()
    pacer = Pacer(
        PaceLimits(rate_per_second=100, concurrency=64), clock=fake.clock, sleep=fake.sleep
    )
    script = [("run", 0.35), ("stall", 0.8), ("run", 0.05), ("stall", 0.2), ("run", 20)]
    starts = await _paced_sends(pacer, fake, [f"+4520{i:06d}" for i in range(500)], script)
    every = [t for ts in starts.values() for t in ts]
    assert len(every) == 500
    assert _most_in_any_window(every, 1.0) <= 100


async def test_the_last_look_is_taken_when_next_in_line_and_a_refusal_takes_no_slot() -> None:
    fake = VirtualTime()
    pacer = Pacer(PaceLimits(rate_per_second=2), clock=fake.clock, sleep=fake.sleep)
    looked: dict[str, float] = {}
    started: dict[str, float] = {}

    async def one(address: str) -> None:
        async def ready() -> bool:
            looked[address] = fake.now
            await fake.sleep(0.05)  # a database read
            return address != "stale"

        async with pacer.turn(address, ready) as go:
            if go:
                started[address] = fake.now

    tasks = [asyncio.create_task(one(a)) for a in ("a", "b", "stale", "c", "d")]
    await fake.advance(10)
    await asyncio.gather(*tasks)
    assert "stale" not in started
    # spaced 0.5 s from the first start; the refused one took no slot
    assert [started[a] for a in "abcd"] == pytest.approx([0.05, 0.55, 1.05, 1.55])
    for address, at in started.items():
        assert 0 < at - looked[address] <= 0.5  # never older than one interval at the start


async def _late_sends(pacer: Pacer, fake: VirtualTime, addresses: list[str]) -> list[float]:
    """Each send's bytes leave some milliseconds after its slot (a request being built, a
    writer task waiting for its loop turn), a few of them much later; the channel reports
    the moment (``notifier.wire``). Returns when each request reached the provider."""
    arrivals: list[float] = []
    delays = itertools.cycle([0.002, 0.004, 0.09, 0.003, 0.001, 0.0, 0.05])

    async def one(address: str, delay: float) -> None:
        async with pacer.turn(address):
            await fake.sleep(delay)
            wire.on_wire()  # the headers, then the body
            wire.on_wire()
            arrivals.append(fake.now)
            await fake.sleep(0.1)  # the provider's latency

    tasks = [asyncio.create_task(one(a, next(delays))) for a in addresses]
    await fake.advance(60)
    assert all(task.done() for task in tasks), "sends left waiting"
    await asyncio.gather(*tasks)
    return arrivals


async def test_a_send_that_leaves_late_holds_back_the_one_a_window_after_it() -> None:
    fake = VirtualTime()
    pacer = Pacer(
        PaceLimits(rate_per_second=30, per_address_per_second=1, concurrency=16),
        clock=fake.clock,
        sleep=fake.sleep,
    )
    addresses = [f"chat-{i}" for i in range(300)] + [f"chat-{i}" for i in range(0, 300, 5)]
    arrivals = await _late_sends(pacer, fake, addresses)
    assert len(arrivals) == len(addresses)  # nothing dropped
    assert _most_in_any_window(arrivals, 1.0) <= 30  # as the provider counts, on arrival
    assert max(arrivals) < len(addresses) / 30 + 1  # and still at the rate


async def test_without_wire_stamps_late_sends_exceed_the_window() -> None:
    """The test above is not vacuous: stamped at permission alone, the same sends break the
    provider's window."""
    fake = VirtualTime()
    pacer = Pacer(
        PaceLimits(rate_per_second=30, concurrency=16), clock=fake.clock, sleep=fake.sleep
    )
    arrivals: list[float] = []
    delays = itertools.cycle([0.002, 0.004, 0.09, 0.003, 0.001, 0.0, 0.05])

    async def one(address: str, delay: float) -> None:
        async with pacer.turn(address):
            await fake.sleep(delay)  # no report to the pacer
            arrivals.append(fake.now)
            await fake.sleep(0.1)

    tasks = [asyncio.create_task(one(f"chat-{i}", next(delays))) for i in range(300)]
    await fake.advance(60)
    await asyncio.gather(*tasks)
    assert _most_in_any_window(arrivals, 1.0) > 30


@pytest.mark.parametrize(
    ("rate", "latency", "expected"),
    [(100, 0.3, 60), (100, 1.0, 200), (30, 0.3, 18), (1, 0.3, 4), (3, 0.3, 4), (10, 0.5, 10)],
)
def test_concurrency_is_twice_rate_times_latency(
    rate: float, latency: float, expected: int
) -> None:
    assert concurrency_for(rate, latency) == expected


@pytest.mark.parametrize(("rate", "latency"), [(0, 0.3), (100, 0), (-1, 0.3)])
def test_concurrency_needs_a_positive_rate_and_latency(rate: float, latency: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        concurrency_for(rate, latency)


async def _finish_time(concurrency: int, *, sends: int, latency: float) -> float:
    """When the last of ``sends`` SMS at 100/s is answered, each taking ``latency``."""
    fake = VirtualTime()
    pacer = Pacer(
        PaceLimits(rate_per_second=100, concurrency=concurrency), clock=fake.clock, sleep=fake.sleep
    )
    answered: list[float] = []

    async def one(i: int) -> None:
        async with pacer.turn(f"+4520{i:06d}"):
            await fake.sleep(latency)  # Twilio's answer time, holding the slot
            answered.append(fake.now)

    tasks = [asyncio.create_task(one(i)) for i in range(sends)]
    await fake.advance(60)
    await asyncio.gather(*tasks)
    assert len(answered) == sends
    return max(answered)


async def test_twilio_keeps_100_per_second_at_its_real_latency() -> None:
    """At ~0.3 s per request, 100/s needs 30 sends in the air: the derived cap keeps the
    rate (500 SMS in 5 s), the former fixed 16 held it to 16 / 0.3 s ≈ 53/s."""
    derived = await _finish_time(concurrency_for(100, 0.3), sends=500, latency=0.3)
    assert derived == pytest.approx(499 / 100 + 0.3)
    fixed = await _finish_time(16, sends=500, latency=0.3)
    assert fixed > 9.0  # 500 / (16 / 0.3)
