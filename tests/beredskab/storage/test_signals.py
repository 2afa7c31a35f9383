"""Commit signals and the event-driven outbox: a committed transaction that queued work wakes
whoever waits for it (in this process, and from other connections through PostgreSQL NOTIFY
or the SQLite wake socket); a rolled-back one wakes nobody; idle workers otherwise sleep until
the next due moment. The safety cap is set very long here, so nothing passes by polling."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

import pytest

from beredskab.app import App
from beredskab.delivery.outbox import Outbox
from beredskab.incident import activation
from beredskab.incident.timer_loop import TimerLoop
from beredskab.plan import Plan
from beredskab.runtime.listener import Listener
from beredskab.settings import OutboxSettings, ServiceSettings, Settings
from beredskab.storage import Database
from beredskab.storage import signals as signals_module
from beredskab.storage.repositories.deliveries import NewDelivery
from beredskab.storage.repositories.timers import NewTimer
from beredskab.storage.signals import TIMERS, deliveries_topic
from notifier.base import Channel
from notifier.channels.console import ConsoleChannel
from notifier.errors import TransientDeliveryError
from notifier.types import ChannelKind, DeliveryStatus, Message, Receipt, Recipient
from tests.beredskab.helpers import POLICE

NEVER = 3600.0
"""A safety cap no test waits for: whatever happens within the deadline was signalled."""


class Recording:
    """A channel that records sends; ``fail_first`` transient failures before succeeding."""

    name: ClassVar[str] = "recording"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset(ChannelKind)

    def __init__(self, fail_first: int = 0) -> None:
        self.sent: list[str] = []
        self.failures = fail_first

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        if self.failures:
            self.failures -= 1
            raise TransientDeliveryError("try again shortly", retry_after=0.5)
        self.sent.append(message.key)
        return Receipt(provider_id=f"p-{message.key}")

    async def aclose(self) -> None:
        return None


def _delivery(key: str) -> NewDelivery:
    return NewDelivery(
        incident_id=None,
        person_id="sara-lund",
        channel=ChannelKind.SMS,
        address="+4520000001",
        template="test",
        subject="s",
        text="t",
        short_text="t",
        notification=key,
    )


async def _queue(db: Database, key: str) -> int:
    async with db.transaction() as tx:
        [delivery_id] = await tx.deliveries.enqueue([_delivery(key)], now=tx.now)
    return delivery_id


async def _until(check: Callable[[], Awaitable[bool]], within: float = 60.0) -> None:
    """Wait for a state (a generous deadline, not a timing assertion)."""
    give_up = time.monotonic() + within
    while not await check():
        assert time.monotonic() < give_up, "the expected state was not reached"
        await asyncio.sleep(0.05)


async def _status(db: Database, delivery_id: int) -> DeliveryStatus | None:
    async with db.read() as tx:
        row = await tx.deliveries.get(delivery_id)
    return row.status if row else None


@pytest.fixture
def no_deaf_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even while not listening, loops sleep the full cap: nothing can pass by polling."""
    monkeypatch.setattr(signals_module, "DEAF_POLL_SECONDS", NEVER)


@pytest.fixture
async def running(db: Database, no_deaf_poll: None) -> AsyncIterator[tuple[Outbox, Recording]]:
    """The outbox's workers and the listener running on ``db``, listening."""
    channel = Recording(fail_first=1)
    settings = OutboxSettings(
        workers=1, max_idle_seconds=NEVER, backoff_base_seconds=0.5, max_attempts=3
    )
    outbox = Outbox(db=db, channels={ChannelKind.SMS: channel}, settings=settings)
    listener = Listener(db)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(listener.run(stop)), asyncio.create_task(outbox.run(stop))]

    async def listening_and_asleep() -> bool:
        return db.signals.listening and outbox.asleep(ChannelKind.SMS) == settings.workers

    await _until(listening_and_asleep)  # from here on only a signal or a due time wakes it
    try:
        yield outbox, channel
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def test_a_commit_wakes_waiters_and_a_rollback_does_not(db: Database) -> None:
    sms = db.signals.subscribe(deliveries_topic("sms"))
    email = db.signals.subscribe(deliveries_topic("email"))
    timers = db.signals.subscribe(TIMERS)
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.deliveries.enqueue([_delivery("rolled-back")], now=tx.now)
            assert tx.topics == {"deliveries.sms"}
            raise RuntimeError("rolled back")
    assert not sms.fired and not email.fired and not timers.fired
    await _queue(db, "committed")
    assert sms.fired and not email.fired and not timers.fired


async def test_scheduling_a_timer_signals_and_next_due_finds_the_earliest(
    db: Database, plan: Plan
) -> None:
    nr = (
        await activation.activate(
            db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case="3700-1"
        )
    ).incident.id
    timers = db.signals.subscribe(TIMERS)
    soon = await db.now() + timedelta(seconds=30)
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.timers.add(
                [NewTimer(kind="renotify", incident_id=nr, due_at=soon)], now=tx.now
            )
            raise RuntimeError("rolled back")
    assert not timers.fired
    async with db.read() as tx:
        before = await tx.timers.next_due()
    assert before is None or before > soon
    async with db.transaction() as tx:
        await tx.timers.add([NewTimer(kind="renotify", incident_id=nr, due_at=soon)], now=tx.now)
    assert timers.fired
    async with db.read() as tx:
        assert await tx.timers.next_due() == soon


async def test_a_row_queued_on_another_connection_is_claimed_without_a_poll(
    db_url: str, db: Database, running: tuple[Outbox, Recording]
) -> None:
    _, channel = running
    channel.failures = 0
    other = Database(db_url)  # another process's view: its own connections and signals
    try:
        delivery_id = await _queue(other, "from-elsewhere")
    finally:
        await other.dispose()

    async def sent() -> bool:
        return await _status(db, delivery_id) is DeliveryStatus.SENT

    await _until(sent)
    assert channel.sent == [f"delivery-{delivery_id}"]


async def test_a_retry_is_sent_when_due_without_a_wake(
    db: Database, running: tuple[Outbox, Recording]
) -> None:
    _, channel = running
    delivery_id = await _queue(db, "retried")

    async def sent() -> bool:
        return await _status(db, delivery_id) is DeliveryStatus.SENT

    await _until(sent)
    async with db.read() as tx:
        row = await tx.deliveries.get(delivery_id)
    assert row is not None and row.attempts == 2
    assert channel.sent == [f"delivery-{delivery_id}"]


async def test_the_timer_loop_fires_a_timer_when_due_without_polling(
    db: Database,
    plan: Plan,
    tmp_path: Path,
    no_deaf_poll: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Woken by the commits that schedule timers (the activation's, then one due in a
    second), the loop only looks: its one write transaction is the tick that fires."""
    ticks: list[int] = []
    tick = TimerLoop.tick

    async def counted(loop: TimerLoop) -> int:
        fired = await tick(loop)
        ticks.append(fired)
        return fired

    monkeypatch.setattr(TimerLoop, "tick", counted)
    console = ConsoleChannel(tmp_path / "outbox.jsonl", echo=None)
    channels: dict[ChannelKind, Channel] = {kind: console for kind in ChannelKind}
    settings = Settings(
        service=ServiceSettings(data_dir=tmp_path), outbox=OutboxSettings(max_idle_seconds=NEVER)
    )
    outbox = Outbox(db=db, channels=channels, settings=settings.outbox)
    app = App(settings=settings, plan=plan, db=db, channels=channels, outbox=outbox)
    result = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case="3700-1"
    )
    nr = result.incident.id
    stop = asyncio.Event()
    loop = asyncio.create_task(app.timers.run(stop))
    try:
        async with db.transaction() as tx:
            due = tx.now + timedelta(seconds=1)
            await tx.timers.add(
                [NewTimer(kind="renotify", incident_id=nr, due_at=due, person_id=POLICE)],
                now=tx.now,
            )

        async def fired() -> bool:
            async with db.read() as tx:
                timers = await tx.timers.for_incident(nr)
            return any(t.due_at == due and t.fired_at is not None for t in timers)

        await _until(fired)
    finally:
        stop.set()
        await loop
    assert ticks == [1]


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_the_sqlite_wake_socket_works_on_the_loop_serve_runs(loop: str, tmp_path: Path) -> None:
    """``serve`` runs on uvloop (``runtime.event_loop``), which binds a Unix datagram socket
    only when it is handed one; a signal sent by another process must arrive on either loop."""
    from beredskab.runtime import event_loop

    factory = event_loop.factory() if loop == "uvloop" else None
    if loop == "uvloop" and factory is None:
        pytest.skip("uvloop is not installed on this platform")
    path = tmp_path / "wake.sock"

    async def main() -> None:
        ours, theirs = signals_module.Signals(), signals_module.Signals()
        sub = ours.subscribe(TIMERS)
        listening = await signals_module.listen_socket(ours, path)
        try:
            signals_module.send_datagram(path, theirs.payload([TIMERS]))
            await asyncio.wait_for(sub.event.wait(), timeout=30)
        finally:
            await listening.aclose()
        assert not path.exists()  # removed on close

    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main())
