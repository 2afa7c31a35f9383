"""Pacing under event-loop stalls, on the real clock: the former token bucket against the
send schedule (``beredskab.pacing``).

    .venv/bin/python -m benchmarks.pacing [--sends 300] [--rate 30] [--stall 0.5]

A claimed batch's sends all wait for their turn at once (as the outbox dispatches them);
meanwhile a task blocks the event loop for ``--stall`` seconds every ``--every`` seconds (a
slow synchronous step, a CPU-starved process). Prints, for each pacer, the most starts in
any one-second window (the provider refuses above ``--rate``) and how long the sends took.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import time
from collections.abc import Awaitable, Callable

from beredskab.pacing import PaceLimits, Pacer
from notifier.ratelimit import TokenBucket


def most_in_a_second(times: list[float]) -> int:
    """The most starts inside any half-open one-second window."""
    ordered = sorted(times)
    return max(bisect.bisect_left(ordered, t + 1.0) - i for i, t in enumerate(ordered))


async def _stalls(stop: asyncio.Event, stall: float, every: float) -> None:
    while not stop.is_set():
        await asyncio.sleep(every)
        time.sleep(stall)  # noqa: ASYNC251 - blocks the whole event loop, as a stalled process does


async def measure(
    turn: Callable[[], Awaitable[None]], sends: int, stall: float, every: float
) -> tuple[int, float]:
    """Start times of ``sends`` sends that wait their turn at once, under stalls."""
    starts: list[float] = []

    async def one() -> None:
        await turn()
        starts.append(time.monotonic())

    stop = asyncio.Event()
    staller = asyncio.create_task(_stalls(stop, stall, every))
    began = time.monotonic()
    await asyncio.gather(*(one() for _ in range(sends)))
    stop.set()
    await staller
    return most_in_a_second(starts), time.monotonic() - began


async def main(args: argparse.Namespace) -> None:
    bucket = TokenBucket(args.rate)
    pacer = Pacer(PaceLimits(rate_per_second=args.rate, concurrency=args.sends))

    async def schedule_turn() -> None:
        async with pacer.turn("chat"):
            pass

    print(
        f"{args.sends} sends at {args.rate}/s, the loop blocked {args.stall} s every {args.every} s"
    )
    for name, turn in (("token bucket (former)", bucket.acquire), ("send schedule", schedule_turn)):
        most, took = await measure(turn, args.sends, args.stall, args.every)
        verdict = "within" if most <= args.rate else "ABOVE"
        print(f"  {name:22} most in one second {most:3d} ({verdict} {args.rate:g}); {took:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sends", type=int, default=300)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--stall", type=float, default=0.5)
    parser.add_argument("--every", type=float, default=1.5)
    asyncio.run(main(parser.parse_args()))
