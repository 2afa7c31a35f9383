"""The outbox: leases, retries with backoff, permanent failures in the log, lease expiry."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import sqlite3
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import ClassVar

import pytest

from beredskab.delivery.outbox import Outbox, RetryPolicy
from beredskab.delivery.outbox.health import Loops
from beredskab.incident import activation
from beredskab.plan import Plan
from beredskab.runtime.health import Board
from beredskab.settings import OutboxSettings
from beredskab.storage import Database
from beredskab.storage.repositories.deliveries import NewDelivery
from notifier.errors import PermanentDeliveryError, TransientDeliveryError
from notifier.types import ChannelKind, DeliveryStatus, Message, Receipt, Recipient
from tests.beredskab.helpers import POLICE, deliveries
from tests.conftest import TestClock


class ScriptedChannel:
    """A unit-test channel whose outcomes are scripted per address."""

    name: ClassVar[str] = "scripted"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset(ChannelKind)

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failures: dict[str, list[Exception]] = {}
        self.changed = asyncio.Event()

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        queue = self.failures.get(recipient.address)
        if queue:
            raise queue.pop(0)
        self.sent.append((recipient.address, message.key))
        self.changed.set()
        return Receipt(provider_id=f"p-{message.key}")

    async def aclose(self) -> None:
        return None


SETTINGS = OutboxSettings(backoff_base_seconds=10, backoff_max_seconds=60, max_attempts=3)


async def _setup(db: Database, plan: Plan) -> tuple[int, ScriptedChannel, Outbox]:
    nr = (
        await activation.activate(
            db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case="3700-1"
        )
    ).incident.id
    channel = ScriptedChannel()
    outbox = Outbox(db=db, channels={k: channel for k in ChannelKind}, settings=SETTINGS)
    return nr, channel, outbox


@pytest.fixture
async def clocked_db(db_url: str, clock: TestClock) -> Database:
    database = Database(db_url, clock=clock)
    await database.upgrade()
    yield database  # type: ignore[misc]
    await database.dispose()


async def test_every_queued_message_is_sent_once(db: Database, plan: Plan) -> None:
    nr, channel, outbox = await _setup(db, plan)
    total = len(await deliveries(db, nr))
    assert await outbox.drain() == total
    rows = await deliveries(db, nr)
    assert {d.status for d in rows} == {DeliveryStatus.SENT}
    assert len(channel.sent) == total == len(set(channel.sent))
    assert all(d.provider_id == f"p-delivery-{d.id}" and d.attempts == 1 for d in rows)
    assert await outbox.drain() == 0


async def test_transient_failure_is_retried_after_backoff(
    clocked_db: Database, plan: Plan, clock: TestClock
) -> None:
    nr, channel, outbox = await _setup(clocked_db, plan)
    address = "+4520100003"  # Sara Lund's phone
    channel.failures[address] = [TransientDeliveryError("429", retry_after=30)]
    await outbox.drain()
    row = next(d for d in await deliveries(clocked_db, nr) if d.address == address)
    assert row.status is DeliveryStatus.QUEUED and row.attempts == 1 and "429" in (row.error or "")
    assert row.next_attempt_at == clock.now + timedelta(seconds=30)  # retry_after beats 10 s
    clock.advance(seconds=29)
    assert await outbox.drain() == 0  # never early
    clock.advance(seconds=1)
    assert await outbox.drain() == 1
    row = next(d for d in await deliveries(clocked_db, nr) if d.address == address)
    assert row.status is DeliveryStatus.SENT and row.attempts == 2


async def test_permanent_failure_and_exhausted_retries_are_logged(
    clocked_db: Database, plan: Plan, clock: TestClock
) -> None:
    nr, channel, outbox = await _setup(clocked_db, plan)
    channel.failures["+4520100003"] = [PermanentDeliveryError("21211 invalid number")]
    channel.failures["sara-lund@example.org"] = [TransientDeliveryError("451")] * 3
    for _ in range(3):
        await outbox.drain()
        clock.advance(minutes=5)
    rows = {d.address: d for d in await deliveries(clocked_db, nr)}
    assert rows["+4520100003"].status is DeliveryStatus.FAILED
    assert rows["sara-lund@example.org"].status is DeliveryStatus.FAILED
    assert rows["sara-lund@example.org"].attempts == 3
    async with clocked_db.transaction() as tx:
        log = [e.text for e in await tx.log.list(nr) if e.kind.value == "delivery"]
    assert any("21211" in t for t in log) and any("gave up after 3 attempts" in t for t in log)


async def test_row_held_by_a_dead_worker_is_taken_again_after_the_lease(
    clocked_db: Database, plan: Plan, clock: TestClock
) -> None:
    nr, _channel, outbox = await _setup(clocked_db, plan)
    async with clocked_db.transaction() as tx:  # a worker claims everything, then "dies"
        claimed = await tx.deliveries.claim(
            owner="dead", now=tx.now, lease_until=tx.now + timedelta(seconds=60), limit=500
        )
    assert claimed
    assert await outbox.drain() == 0  # leased rows are not touched
    clock.advance(seconds=61)
    assert all(not c.abandoned for c in claimed)
    assert await outbox.drain() == len(claimed)
    async with clocked_db.transaction() as tx:  # the dead worker's late report is ignored
        assert not await tx.deliveries.finish(
            claimed[0].delivery.id, owner="dead", status=DeliveryStatus.FAILED, now=tx.now
        )
    assert {d.status for d in await deliveries(clocked_db, nr)} == {DeliveryStatus.SENT}


async def test_workers_stop_cleanly(db: Database, plan: Plan) -> None:
    nr, channel, outbox = await _setup(db, plan)
    stop = asyncio.Event()
    runner = asyncio.create_task(outbox.run(stop))
    total = len(await deliveries(db, nr))
    while len(channel.sent) < total:
        channel.changed.clear()
        await channel.changed.wait()
    stop.set()
    await asyncio.wait_for(runner, timeout=60)
    assert len(channel.sent) == len(await deliveries(db, nr))


@pytest.mark.parametrize(
    ("attempt", "retry_after", "expected"),
    [(1, None, 10), (2, None, 20), (3, None, 40), (4, None, 60), (1, 45.0, 45), (5, 5.0, 60)],
)
def test_backoff(attempt: int, retry_after: float | None, expected: float) -> None:
    assert RetryPolicy(10, 60, 5).delay(attempt, retry_after) == expected


def test_backoff_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(10, 5, 3)


class GatedChannel:
    """A channel whose sends wait until the test lets them through, one ``release`` each;
    it counts how many are in the air at once."""

    name: ClassVar[str] = "gated"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset(ChannelKind)

    def __init__(self) -> None:
        self.turns = asyncio.Semaphore(0)
        self.active = 0
        self.peak = 0
        self.sent: list[str] = []

    def release(self, n: int = 1) -> None:
        for _ in range(n):
            self.turns.release()

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await self.turns.acquire()
        finally:
            self.active -= 1
        self.sent.append(message.key)
        return Receipt(provider_id=f"p-{message.key}")

    async def aclose(self) -> None:
        return None


async def _wait(condition: Callable[[], Awaitable[bool] | bool], within: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = condition()
        if await result if inspect.isawaitable(result) else result:
            return
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


async def _sms_states(db: Database, nr: int) -> Counter[DeliveryStatus]:
    return Counter(d.status for d in await deliveries(db, nr) if d.channel is ChannelKind.SMS)


@pytest.mark.parametrize("error", [RuntimeError("bug in a channel"), asyncio.CancelledError()])
async def test_an_unexpected_error_in_one_send_retries_that_row_only(
    db: Database, plan: Plan, error: BaseException
) -> None:
    nr, channel, outbox = await _setup(db, plan)
    address = "+4520100003"
    channel.failures[address] = [error]  # type: ignore[list-item]
    total = len(await deliveries(db, nr))
    assert await outbox.run_once() == total
    rows = await deliveries(db, nr)
    row = next(d for d in rows if d.address == address)
    assert row.status is DeliveryStatus.QUEUED and row.lease_until is None
    assert (row.error or "").startswith("UnknownOutcomeError"), row.error
    assert all(d.status is DeliveryStatus.SENT for d in rows if d.id != row.id)
    assert all(s.state == "ok" for s in outbox.health().values())


async def test_sends_in_flight_are_bounded_and_each_is_recorded_when_it_returns(
    db: Database, plan: Plan
) -> None:
    nr = (
        await activation.activate(
            db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case="3700-1"
        )
    ).incident.id
    channel = GatedChannel()
    settings = OutboxSettings(workers=2, max_in_flight=3, poll_seconds=0.05)
    outbox = Outbox(db=db, channels={ChannelKind.SMS: channel}, settings=settings)
    sms = (await _sms_states(db, nr))[DeliveryStatus.QUEUED]
    assert sms > 4
    stop = asyncio.Event()
    runner = asyncio.create_task(outbox.run(stop))
    try:
        await _wait(lambda: channel.active == 3)
        channel.release()

        async def one_recorded() -> bool:
            return (await _sms_states(db, nr))[DeliveryStatus.SENT] == 1

        await _wait(one_recorded)  # recorded while the other two are still in the air
        assert channel.active >= 2 and len(channel.sent) == 1
        await _wait(lambda: channel.active == 3)  # its slot went to the next row
        channel.release(sms)

        async def all_sent() -> bool:
            return (await _sms_states(db, nr)) == Counter({DeliveryStatus.SENT: sms})

        await _wait(all_sent)
    finally:
        channel.release(100)
        stop.set()
        await runner
    assert channel.peak == 3 and len(channel.sent) == sms == len(set(channel.sent))


@pytest.mark.timeout(180)
async def test_workers_outlive_a_database_lock_and_record_what_was_sent(
    db: Database, db_url: str, plan: Plan
) -> None:
    """A SQLite write lock held past the 30 s busy timeout: the outcomes of sends that
    returned meanwhile stay in memory, the channel reports degraded, nothing is re-sent, and
    everything is recorded once the lock is gone."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the busy timeout is SQLite's; PostgreSQL outages are in tests/faults")
    nr = (
        await activation.activate(
            db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case="3700-1"
        )
    ).incident.id
    channel = GatedChannel()
    settings = OutboxSettings(workers=1, max_in_flight=4, poll_seconds=0.05)
    outbox = Outbox(db=db, channels={ChannelKind.SMS: channel}, settings=settings)
    sms = (await _sms_states(db, nr))[DeliveryStatus.QUEUED]
    stop = asyncio.Event()
    runner = asyncio.create_task(outbox.run(stop))
    locker = sqlite3.connect(
        db_url.split("///", 1)[1], isolation_level=None, timeout=60, check_same_thread=False
    )
    try:
        await _wait(lambda: channel.active == 4)
        await asyncio.to_thread(locker.execute, "BEGIN EXCLUSIVE")
        channel.release(4)  # four sends return while nobody can write
        await _wait(lambda: outbox.health()["outbox.sms"].state == "degraded", within=120)
        reason = outbox.health()["outbox.sms"].reason
        assert "database unavailable" in reason and "locked" in reason, reason
        assert len(channel.sent) == 4 and channel.active == 0  # no slot free: nothing new
        locker.execute("ROLLBACK")
        channel.release(sms)

        async def all_sent() -> bool:
            return (await _sms_states(db, nr)) == Counter({DeliveryStatus.SENT: sms})

        await _wait(all_sent, within=60)
        await _wait(lambda: outbox.health()["outbox.sms"].state == "ok")
    finally:
        locker.close()
        channel.release(100)
        stop.set()
        await runner
    assert len(channel.sent) == sms == len(set(channel.sent))
    assert all(d.attempts == 1 for d in await deliveries(db, nr) if d.channel is ChannelKind.SMS)


class StubbornChannel:
    """A client that ignores cancellation and never answers the first send to one address
    (a library bug); everything else goes through."""

    name: ClassVar[str] = "stubborn"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset(ChannelKind)

    def __init__(self, address: str) -> None:
        self.address = address
        self.hung = 0
        self.done = asyncio.Event()
        self.sent: list[str] = []

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        if recipient.address == self.address and not self.hung:
            self.hung += 1
            while not self.done.is_set():
                with contextlib.suppress(asyncio.CancelledError):
                    await self.done.wait()
            raise TransientDeliveryError("finally gave up")
        self.sent.append(message.key)
        return Receipt(provider_id=f"p-{message.key}")

    async def aclose(self) -> None:
        self.done.set()


@pytest.mark.timeout(120)
async def test_a_send_that_never_returns_is_abandoned_and_its_row_taken_up_after_the_lease(
    db: Database, plan: Plan, caplog: pytest.LogCaptureFixture
) -> None:
    nr = (
        await activation.activate(
            db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case="3700-1"
        )
    ).incident.id
    address = "+4520100003"
    channel = StubbornChannel(address)
    settings = OutboxSettings(lease_seconds=3, poll_seconds=0.05, backoff_base_seconds=0.1)
    outbox = Outbox(db=db, channels={ChannelKind.SMS: channel}, settings=settings)
    sms = (await _sms_states(db, nr))[DeliveryStatus.QUEUED]
    stop = asyncio.Event()
    runner = asyncio.create_task(outbox.run(stop))
    try:

        async def all_sent() -> bool:
            return (await _sms_states(db, nr)) == Counter({DeliveryStatus.SENT: sms})

        await _wait(all_sent)
    finally:
        channel.done.set()
        stop.set()
        await runner
    row = next(d for d in await deliveries(db, nr) if d.address == address)
    assert channel.hung == 1 and row.attempts == 2 and len(channel.sent) == sms
    assert "outbox.sms degraded" in caplog.text
    assert "sms sends did not return within their lease (deliveries [" in caplog.text
    assert outbox.health()["outbox.sms"].state == "ok"


def test_health_logs_each_change_once_and_backs_off_with_a_cap(
    caplog: pytest.LogCaptureFixture,
) -> None:
    board = Board()
    loops = Loops(board, ["outbox.sms"])
    assert board.get("outbox.sms") is not None and caplog.text == ""
    error = OSError("connection refused")
    pauses = [loops.degraded("outbox.sms", error) for _ in range(8)]
    assert pauses == [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0]
    state = board.snapshot()["outbox.sms"]
    assert state.state == "degraded" and "database unavailable: OSError" in (state.reason or "")
    assert caplog.text.count("outbox.sms is degraded") == 1
    loops.ok("outbox.sms")
    loops.ok("outbox.sms")
    assert caplog.text.count("outbox.sms is ok again") == 1
    assert board.snapshot()["outbox.sms"].state == "ok"
    assert loops.degraded("outbox.sms", RuntimeError("bug")) == 0.2  # a new failure streak


async def test_an_outcome_that_cannot_be_written_blocks_no_other(db: Database, plan: Plan) -> None:
    """A corrupt row (a fallback channel that does not exist) makes its failure's write raise;
    the other outcomes of the group are written one by one, the bad one is kept (its row stays
    leased) and the channel reports it."""
    nr, channel, outbox = await _setup(db, plan)
    bad_address = "+4599999999"
    async with db.transaction() as tx:
        [bad_id] = await tx.deliveries.enqueue(
            [
                NewDelivery(
                    incident_id=None,
                    person_id="sara-lund",
                    channel=ChannelKind.SMS,
                    address=bad_address,
                    template="test",
                    subject="s",
                    text="t",
                    short_text="t",
                    notification="corrupt-1",
                    policy="fallback",
                    alternates="pigeon loft-3",
                )
            ],
            now=tx.now,
        )
    channel.failures[bad_address] = [PermanentDeliveryError("21211 invalid number")]
    with pytest.raises(ValueError, match="pigeon"):
        await outbox.run_once(kind=ChannelKind.SMS)
    rows = await deliveries(db, nr)
    assert all(d.status is DeliveryStatus.SENT for d in rows if d.channel is ChannelKind.SMS)
    async with db.transaction() as tx:
        bad = await tx.deliveries.get(bad_id)
    assert bad is not None and bad.status is DeliveryStatus.SENDING
    state = outbox.health()["outbox.sms"]
    assert state.state == "degraded" and "ValueError" in state.reason
