"""The outbox: leases, retries with backoff, permanent failures in the log, lease expiry."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import ClassVar

import pytest

from beredskab import activation
from beredskab.outbox import Backoff, Outbox
from beredskab.plan import Plan
from beredskab.settings import OutboxSettings
from beredskab.storage import Database
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
        await activation.activate(db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli")
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
    await asyncio.wait_for(runner, timeout=5)
    assert len(channel.sent) == len(await deliveries(db, nr))


@pytest.mark.parametrize(
    ("attempt", "retry_after", "expected"),
    [(1, None, 10), (2, None, 20), (3, None, 40), (4, None, 60), (1, 45.0, 45), (5, 5.0, 60)],
)
def test_backoff(attempt: int, retry_after: float | None, expected: float) -> None:
    assert Backoff(10, 60, 5).delay(attempt, retry_after) == expected


def test_backoff_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Backoff(10, 5, 3)
