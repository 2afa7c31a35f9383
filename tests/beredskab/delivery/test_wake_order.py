"""One commit that queues work on every channel wakes the channels' workers in a fixed order:
the call-out channels first (SMS, voice), then Telegram, email last; the hub wakes the
outbox's waiters first, then the others, each in the order they subscribed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from beredskab.delivery.outbox import URGENCY, Outbox
from beredskab.settings import OutboxSettings
from beredskab.storage import Database
from beredskab.storage.repositories.deliveries import NewDelivery
from beredskab.storage.signals import (
    FANOUTS,
    TIMERS,
    Signals,
    Subscription,
    deliveries_topic,
)
from notifier.types import ChannelKind
from tests.beredskab.helpers import RecordingChannel

ADDRESS = {
    ChannelKind.SMS: "+4520000001",
    ChannelKind.VOICE: "+4520000001",
    ChannelKind.TELEGRAM: "100001",
    ChannelKind.EMAIL: "sara@example.org",
}


def _delivery(kind: ChannelKind, n: int) -> NewDelivery:
    return NewDelivery(
        incident_id=None,
        person_id="sara-lund",
        channel=kind,
        address=ADDRESS[kind],
        template="test",
        subject="s",
        text="t",
        short_text="t",
        notification=f"{kind.value}-{n}",
    )


async def _until(check: Callable[[], bool], within: float = 60.0) -> None:
    """Wait for a state (a generous deadline, not a timing assertion)."""
    give_up = time.monotonic() + within
    while not check():
        assert time.monotonic() < give_up, "the expected state was not reached"
        await asyncio.sleep(0.05)


async def test_the_hub_wakes_waiters_in_the_order_they_subscribed() -> None:
    hub = Signals()
    woke: list[str] = []
    names = ["telegram", "sms", "email", "sms-2", "voice"]
    subs = [hub.subscribe(deliveries_topic(n.split("-")[0])) for n in names]

    async def waiter(name: str, sub: Subscription) -> None:
        await sub.event.wait()
        woke.append(name)

    pairs = list(zip(names, subs, strict=True))
    tasks = [asyncio.create_task(waiter(n, s)) for n, s in reversed(pairs)]  # last waits first
    await asyncio.sleep(0)  # one turn: every waiter is blocked on its event
    hub.fire(["deliveries"])  # the parent: every channel at once
    await asyncio.gather(*tasks)
    assert woke == names  # the order they subscribed in, not the order they began to wait


async def test_a_commit_wakes_the_outbox_before_the_timer_loop_and_the_fan_out() -> None:
    """An activation's commit queues messages, schedules timers and opens a fan-out: the
    outbox's waiters run first, whoever subscribed earlier."""
    hub = Signals()
    woke: list[str] = []
    names = {"timers": TIMERS, "fan-out": FANOUTS, "sms": deliveries_topic("sms")}
    subs = {name: hub.subscribe(topic) for name, topic in names.items()}

    async def waiter(name: str) -> None:
        await subs[name].event.wait()
        woke.append(name)

    tasks = [asyncio.create_task(waiter(n)) for n in names]
    await asyncio.sleep(0)
    hub.fire([TIMERS, FANOUTS, deliveries_topic("sms")])
    await asyncio.gather(*tasks)
    assert woke == ["sms", "timers", "fan-out"]


async def test_one_commit_on_every_channel_reaches_sms_first_and_email_last(
    db: Database,
) -> None:
    """The claims take turns in the order the workers woke and each claim's sends start
    before the next claim, so the wake-up order is the order of the channels' first sends:
    an activation's first SMS waits for no other claim (on PostgreSQL as on SQLite)."""
    sent: list[ChannelKind] = []
    kinds = [ChannelKind.EMAIL, ChannelKind.TELEGRAM, ChannelKind.VOICE, ChannelKind.SMS]
    settings = OutboxSettings(workers=2, max_idle_seconds=3600)
    outbox = Outbox(
        db=db, channels={k: RecordingChannel(k, sent) for k in kinds}, settings=settings
    )
    stop = asyncio.Event()
    running = asyncio.create_task(outbox.run(stop))
    try:
        await _until(lambda: all(outbox.asleep(k) == settings.workers for k in kinds))
        async with db.transaction() as tx:
            rows = [_delivery(k, n) for k in kinds for n in range(3)]
            await tx.deliveries.enqueue(rows, now=tx.now)
        await _until(lambda: len(sent) == len(rows))
    finally:
        stop.set()
        await running
    first_sends = list(dict.fromkeys(sent))
    assert first_sends == list(URGENCY)
