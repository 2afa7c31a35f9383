"""Pacing: the overall rate and the per-address rate hold, nothing is dropped."""

from __future__ import annotations

import asyncio

import pytest

from beredskab.pacing import PaceLimits, Pacer


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
