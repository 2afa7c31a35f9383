"""Pacing under event-loop stalls, on the real clock: the former token bucket against the
send schedule (``beredskab.delivery.pacing``).

    .venv/bin/python -m benchmarks.pacing [--sends 300] [--rate 30] [--stall 0.5]
    .venv/bin/python -m benchmarks.pacing --stand-in [--sends 600]

A claimed batch's sends all wait for their turn at once (as the outbox dispatches them);
meanwhile a task blocks the event loop for ``--stall`` seconds every ``--every`` seconds (a
slow synchronous step, a CPU-starved process). Prints, for each pacer, the most starts in
any one-second window (the provider refuses above ``--rate``) and how long the sends took.

``--stand-in`` instead sends real Telegram messages through ``TelegramChannel`` to the
benchmark's rate-limited Bot API stand-in (its own process, 30/s and 1/s per chat), paced by
the ``Pacer`` and, for comparison, by a fixed timetable (send k at start + k/30, what the
former reservations amounted to), and prints the stand-in's refusals: pacing and the
channel without the outbox and the database, under whatever load the machine has.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.procs import ROOT
from beredskab.delivery.pacing import PaceLimits, Pacer
from notifier.channels.telegram import TelegramChannel
from notifier.errors import DeliveryError
from notifier.ratelimit import TokenBucket
from notifier.types import ChannelKind, Message, Recipient


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


def _start_stand_ins() -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """The benchmark's stand-ins in their own process (no Prism: no SMS is sent)."""
    options = json.dumps({"prism_url": "http://127.0.0.1:9", "limits": {}})
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.standins", options],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    return process, json.loads(process.stdout.readline())


def _stop_stand_ins(process: subprocess.Popen[str]) -> dict[str, Any]:
    """Stop them; their final counts."""
    assert process.stdin is not None and process.stdout is not None
    process.stdin.close()
    stats: dict[str, Any] = json.loads(process.stdout.readline() or "{}")
    process.wait(timeout=30)
    return stats


async def _send_all(channel: TelegramChannel, sends: int, timetable: bool) -> float:
    """``sends`` messages to different chats, paced by the Pacer or by a fixed timetable;
    returns how long they took."""
    message = Message(key="k", subject="Alarm", text="Alarm: mød op", short_text="Alarm")
    pacer = Pacer(PaceLimits(rate_per_second=30, per_address_per_second=1))
    began = time.monotonic()

    async def one(i: int) -> None:
        to = Recipient(person_id=str(i), kind=ChannelKind.TELEGRAM, address=str(10_000 + i))
        try:
            if timetable:
                await asyncio.sleep(max(0.0, began + i / 30 - time.monotonic()))
                await channel.send(to, message)
            else:
                async with pacer.turn(to.address):
                    await channel.send(to, message)
        except DeliveryError:
            pass  # a 429: the stand-in counts it

    await asyncio.gather(*(one(i) for i in range(sends)))
    return time.monotonic() - began


async def stand_in(sends: int) -> None:
    """Real sends to the limited Telegram stand-in: the Pacer against a fixed timetable."""
    for mode in ("pacer", "timetable"):
        process, info = _start_stand_ins()
        try:
            channel = TelegramChannel.from_token(
                info["telegram_token"], api_base_url=info["telegram_url"]
            )
            took = await _send_all(channel, sends, timetable=mode == "timetable")
            await channel.aclose()
        finally:
            stats = _stop_stand_ins(process)
        print(
            f"  {mode:9} {sends} sends in {took:.1f} s (ideal {sends / 30:.1f} s): "
            f"{stats.get('telegram_refused')} refused, tightest refused span "
            f"{stats.get('tightest_refused_span_s')} s (at handler time "
            f"{stats.get('refused_at_handler')}; handler lag {stats.get('handler_lag_ms')} ms)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sends", type=int, default=300)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--stall", type=float, default=0.5)
    parser.add_argument("--every", type=float, default=1.5)
    parser.add_argument("--stand-in", action="store_true", help="real sends to the stand-in")
    arguments = parser.parse_args()
    asyncio.run(stand_in(arguments.sends) if arguments.stand_in else main(arguments))
