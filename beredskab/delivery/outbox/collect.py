"""A round's second half: collect its sends as they return and record their outcomes in
grouped commits (``recorder``), abandoning sends that outlive their lease."""

from __future__ import annotations

import asyncio
import time

from beredskab.delivery.outbox.health import Loops
from beredskab.delivery.outbox.recorder import Pending, Recorder, Slot
from beredskab.delivery.outbox.sending import SendsAbandoned, abandon
from beredskab.storage.repositories.deliveries import Claimed
from notifier.types import ChannelKind

RECORD_GROUP = 100
RECORD_SECONDS = 0.1
"""Outcomes are committed in groups: at the latest 100 ms after the first of a group returned,
or at once when 100 are waiting or half the channel's in-flight slots wait on the group (so
the window never starves a fast channel), or when every send of the round has returned (a
worker leaves that last group to its next claim, which follows at once and writes it in its
own transaction). On a paced channel the window sets the group size (Telegram at 30/s: about
3 outcomes per commit); what a crash can duplicate stays bounded by ``max_in_flight``."""


def component(kind: ChannelKind) -> str:
    """The health-board name of a channel's workers."""
    return f"outbox.{kind.value}"


async def collect(
    kind: ChannelKind,
    sends: dict[asyncio.Task[Pending], tuple[Claimed, Slot]],
    give_up_at: float,
    *,
    recorder: Recorder,
    loops: Loops,
    max_in_flight: int,
    carry: bool,
) -> None:
    """Record outcomes as sends return. A failed write is kept (holding its in-flight slots)
    and retried after a pause while the round still collects every send; sends still out at
    ``give_up_at`` (monotonic) are abandoned. With ``carry`` the last group is left to the
    next claim (``Recorder.carry``)."""
    pending = set(sends)
    group: list[Pending] = []
    first_at = retry_at = 0.0
    failure: Exception | None = None
    abandoned: SendsAbandoned | None = None
    while pending or group:
        if pending:
            deadline = retry_at if failure is not None else first_at + RECORD_SECONDS
            wake_at = min(deadline, give_up_at) if (group or failure) else give_up_at
            done, pending = await asyncio.wait(
                pending,
                timeout=max(0.0, wake_at - time.monotonic()),
                return_when=asyncio.FIRST_COMPLETED,
            )
            if done and not group:
                first_at = time.monotonic()
            group += [task.result() for task in done]
            if pending and time.monotonic() >= give_up_at:
                abandoned = abandon(kind, pending, sends)
                pending = set()
        now = time.monotonic()
        if failure is not None:
            if pending and now < retry_at:
                continue
        elif not group or (
            pending
            and len(group) < RECORD_GROUP
            and now - first_at < RECORD_SECONDS
            and len(group) * 2 < max_in_flight  # slots left to send on
        ):
            continue
        if carry and not pending and failure is None and abandoned is None:
            recorder.carry(kind, group)
            break
        try:
            await recorder.record(kind, group)
            failure = None
        except Exception as error:
            failure = error
            retry_at = time.monotonic() + loops.degraded(component(kind), error)
        group = []
    if failure is not None:
        raise failure
    if abandoned is not None:
        raise abandoned
