"""The outbox's batched hot path (``storage.repositories.delivery_batches``, ``outbox.freshness``,
``Recorder.carry``): the same rows, states and decisions as the row-at-a-time code it replaced,
in fewer statements (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from beredskab.delivery import after_close
from beredskab.delivery.outbox import Outbox
from beredskab.delivery.outbox.freshness import LastCheck, reason
from beredskab.incident import activation, standdown
from beredskab.models import Confirmation, ConfirmationStatus, Delivery, Incident
from beredskab.plan import Plan
from beredskab.settings import OutboxSettings
from beredskab.storage import Database
from beredskab.storage.repositories.deliveries import NewDelivery
from beredskab.storage.repositories.delivery_batches import Finished
from notifier.types import ChannelKind, DeliveryStatus, Message, Receipt, Recipient
from tests.beredskab.helpers import CHIEF, POLICE, deliveries
from tests.conftest import TestClock


class Accepting:
    """Accepts every message at once."""

    name = "accepting"
    kinds = frozenset(ChannelKind)

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.changed = asyncio.Event()

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        self.sent.append(message.key)
        self.changed.set()
        return Receipt(provider_id=f"p-{message.key}")

    async def aclose(self) -> None:
        return None


async def _activate(db: Database, plan: Plan) -> int:
    result = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case="3700-9"
    )
    return result.incident.id


class Statements:
    """Counts what reaches the driver, by first word (BEGIN on SQLite is a statement too)."""

    def __init__(self, db: Database) -> None:
        self.counts: Counter[str] = Counter()
        self._engine = db.engine.sync_engine
        event.listen(self._engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        self.counts[sql.split(None, 1)[0].upper()] += 1

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._seen)


@pytest.fixture
def statements(db: Database) -> Iterator[Statements]:
    counter = Statements(db)
    yield counter
    counter.close()


@pytest.fixture
async def cdb(db_url: str, clock: TestClock) -> Database:
    database = Database(db_url, clock=clock)
    await database.upgrade()
    yield database  # type: ignore[misc]
    await database.dispose()


async def test_a_claim_leases_due_rows_oldest_first_with_what_they_were(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await _activate(cdb, plan)
    rows = {d.id: d for d in await deliveries(cdb, nr)}
    sms = sorted(i for i, d in rows.items() if d.channel is ChannelKind.SMS)
    async with cdb.transaction() as tx:  # a worker leases two and dies
        first = await tx.deliveries.claim(
            owner="dead",
            now=tx.now,
            lease_until=tx.now + timedelta(seconds=30),
            limit=2,
            channel=ChannelKind.SMS,
        )
    assert [c.delivery.id for c in first] == sms[:2] and not any(c.abandoned for c in first)
    clock.advance(seconds=31)
    async with cdb.transaction() as tx:
        again = await tx.deliveries.claim(
            owner="w2",
            now=tx.now,
            lease_until=tx.now + timedelta(seconds=60),
            limit=1000,
            channel=ChannelKind.SMS,
        )
        now = tx.now
    assert [c.delivery.id for c in again] == sms
    assert [c.abandoned for c in again] == [True, True] + [False] * (len(sms) - 2)
    stored = {d.id: d for d in await deliveries(cdb, nr)}
    for claimed in again:
        row = claimed.delivery
        assert row == stored[row.id]  # what the claim returns is what is stored
        assert row.status is DeliveryStatus.SENDING and row.channel is ChannelKind.SMS
        assert row.lease_until == now + timedelta(seconds=60) and row.updated_at == now
        assert row.created_at.tzinfo is UTC and row.attempts == (2 if claimed.abandoned else 1)
    async with cdb.transaction() as tx:  # nothing of another channel, nothing leased
        assert not await tx.deliveries.claim(
            owner="w3", now=tx.now, lease_until=tx.now, limit=1000, channel=ChannelKind.SMS
        )
        others = await tx.deliveries.claim(owner="w3", now=tx.now, lease_until=tx.now, limit=1000)
    assert {c.delivery.channel for c in others} == {d.channel for d in rows.values()} - {
        ChannelKind.SMS
    }


async def test_finish_many_records_only_rows_the_worker_still_leases(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await _activate(cdb, plan)
    async with cdb.transaction() as tx:
        claimed = await tx.deliveries.claim(
            owner="w1", now=tx.now, lease_until=tx.now + timedelta(seconds=60), limit=3
        )
    a, b, c = (x.delivery for x in claimed)
    clock.advance(seconds=5)
    retry_at = clock.now + timedelta(seconds=30)
    async with cdb.transaction() as tx:
        await tx.deliveries.finish_many(
            [
                Finished(a.id, "w1", DeliveryStatus.SENT, provider_id="SM1"),
                Finished(b.id, "w1", DeliveryStatus.QUEUED, error="429", retry_at=retry_at),
                Finished(c.id, "someone-else", DeliveryStatus.SENT, provider_id="SM3"),
            ],
            now=tx.now,
        )
        await tx.deliveries.finish_many([], now=tx.now)
    rows = {d.id: d for d in await deliveries(cdb, nr)}
    assert rows[a.id].status is DeliveryStatus.SENT and rows[a.id].provider_id == "SM1"
    assert rows[a.id].next_attempt_at == a.next_attempt_at  # untouched without a retry time
    assert rows[a.id].lease_until is None and rows[a.id].updated_at == clock.now
    assert rows[b.id].status is DeliveryStatus.QUEUED and rows[b.id].error == "429"
    assert rows[b.id].next_attempt_at == retry_at and rows[b.id].provider_id is None
    assert rows[c.id].status is DeliveryStatus.SENDING  # not this worker's lease: left alone


async def test_a_claim_takes_rows_in_the_order_they_fell_due_lapsed_leases_first(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await _activate(cdb, plan)
    sms = sorted(d.id for d in await deliveries(cdb, nr) if d.channel is ChannelKind.SMS)
    assert len(sms) >= 4
    async with cdb.transaction() as tx:  # two rows put back for later, the later first
        await tx.deliveries.claim(
            owner="w1",
            now=tx.now,
            lease_until=tx.now + timedelta(seconds=60),
            limit=2,
            channel=ChannelKind.SMS,
        )
        later, sooner = sms[0], sms[1]
        await tx.deliveries.finish_many(
            [
                Finished(
                    later, "w1", DeliveryStatus.QUEUED, retry_at=tx.now + timedelta(seconds=20)
                ),
                Finished(
                    sooner, "w1", DeliveryStatus.QUEUED, retry_at=tx.now + timedelta(seconds=10)
                ),
            ],
            now=tx.now,
        )
        dying = await tx.deliveries.claim(  # a worker that dies with one row leased
            owner="dead",
            now=tx.now,
            lease_until=tx.now + timedelta(seconds=5),
            limit=1,
            channel=ChannelKind.SMS,
        )
    assert [c.delivery.id for c in dying] == [sms[2]]
    clock.advance(seconds=6)
    async with cdb.transaction() as tx:
        one = await tx.deliveries.claim(
            owner="w2",
            now=tx.now,
            lease_until=tx.now + timedelta(seconds=600),
            limit=1,
            channel=ChannelKind.SMS,
        )
        assert [(c.delivery.id, c.abandoned) for c in one] == [(sms[2], True)]
        rest = await tx.deliveries.claim(
            owner="w2",
            now=tx.now,
            lease_until=tx.now + timedelta(seconds=600),
            limit=1000,
            channel=ChannelKind.SMS,
        )
        assert [c.delivery.id for c in rest] == sms[3:]  # not the two put back for later
    clock.advance(seconds=15)  # both now due: the one due sooner comes first
    async with cdb.transaction() as tx:
        first = await tx.deliveries.claim(
            owner="w3",
            now=tx.now,
            lease_until=tx.now + timedelta(seconds=60),
            limit=1,
            channel=ChannelKind.SMS,
        )
        second = await tx.deliveries.claim(
            owner="w3",
            now=tx.now,
            lease_until=tx.now + timedelta(seconds=60),
            limit=1,
            channel=ChannelKind.SMS,
        )
    assert [c.delivery.id for c in first + second] == [sooner, later]


async def test_a_claim_reads_one_index_range_however_many_rows_were_sent(db: Database) -> None:
    """The SQLite plan of the lease: no scan or sort of the channel's rows (what made a
    20,000-person fan-out slower per message than a 5,000-person one)."""
    if db.dialect != "sqlite":
        pytest.skip("the query plan checked is SQLite's")
    from beredskab.storage.repositories.delivery_batches import _sql

    abandoned, due, _ = _sql("sqlite", True)
    async with db.engine.connect() as conn:
        for sql in (abandoned, due):
            plan = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", ("x", "sms", 20))).all()
            steps = " | ".join(str(row[-1]) for row in plan)
            assert "ix_deliveries_channel_due (channel=? AND status=?" in steps, steps
            assert "SCAN" not in steps, steps
        due_plan = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {due}", ("x", "sms", 20))).all()
        assert not any("TEMP B-TREE" in str(row[-1]) for row in due_plan), due_plan


@pytest.mark.parametrize(
    ("template", "channel", "actions", "closed", "state", "expected"),
    [
        ("activation", ChannelKind.SMS, "ack decline", None, None, None),
        ("activation", ChannelKind.SMS, "ack decline", "before", None, after_close.CLOSED),
        ("stand_down", ChannelKind.SMS, "", "after", None, None),
        ("reminder", ChannelKind.TELEGRAM, "ack decline", None, "confirmed", after_close.CONFIRMED),
        ("reminder", ChannelKind.TELEGRAM, "ack decline", None, "pending", None),
        ("reminder", ChannelKind.EMAIL, "", None, "confirmed", None),
        ("activation", ChannelKind.VOICE, "", None, "declined", after_close.CONFIRMED),
        ("activation", ChannelKind.VOICE, "", "before", "confirmed", after_close.CLOSED),
    ],
)
def test_the_batched_decision_is_after_close_s(
    template: str,
    channel: ChannelKind,
    actions: str,
    closed: str | None,
    state: str | None,
    expected: str | None,
) -> None:
    queued = datetime(2026, 1, 1, 12, tzinfo=UTC)
    closed_at = None
    if closed is not None:
        closed_at = queued + timedelta(minutes=1 if closed == "before" else -1)
    delivery = Delivery.model_validate(
        {
            "id": 1,
            "incident_id": 7,
            "person_id": "p",
            "channel": channel,
            "address": "x",
            "template": template,
            "subject": "",
            "text": "",
            "short_text": "",
            "status": "sending",
            "attempts": 1,
            "next_attempt_at": queued,
            "lease_until": None,
            "provider_id": None,
            "error": None,
            "created_at": queued,
            "updated_at": queued,
            "notification": "",
            "policy": "all",
            "alternates": "",
            "fell_back": False,
            "actions": actions,
            "language": "da",
        }
    )
    incident = Incident.model_construct(closed_at=closed_at)
    confirmation = (
        None if state is None else Confirmation.model_construct(status=ConfirmationStatus(state))
    )
    assert after_close.stale_reason(delivery, incident, confirmation) == expected
    assert reason(delivery, closed_at, state) == expected


async def test_checks_started_together_share_one_read(db: Database, plan: Plan) -> None:
    nr = await _activate(db, plan)
    rows = [d for d in await deliveries(db, nr)]
    check = LastCheck(db)
    reads = 0
    original = db.read

    def counting() -> Any:
        nonlocal reads
        reads += 1
        return original()

    db.read = counting  # type: ignore[method-assign]
    try:
        answers = await asyncio.gather(*(check(row) for row in rows))
        assert answers == [None] * len(rows) and reads == 1
        assert await check(rows[0]) is None and reads == 1  # seen open just now
        await standdown.close(db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")
        check, reads = LastCheck(db), 0
        waiting = [asyncio.create_task(check(row)) for row in rows]
        await asyncio.sleep(0)
        waiting[1].cancel()  # a follower gone does not disturb the read or the others
        done = await asyncio.gather(*waiting, return_exceptions=True)
    finally:
        db.read = original  # type: ignore[method-assign]
    assert reads == 1
    assert isinstance(done[1], asyncio.CancelledError)
    assert [d for i, d in enumerate(done) if i != 1] == [after_close.CLOSED] * (len(rows) - 1)


async def _more(db: Database, nr: int, people: int) -> None:
    """Queue the incident's SMS and email to ``people`` more (fictional) people."""
    models = {d.channel: d for d in await deliveries(db, nr)}
    items = [
        NewDelivery(
            incident_id=nr,
            person_id=f"extra-{i}",
            channel=kind,
            address=f"extra-{i}",
            template=model.template,
            subject=model.subject,
            text=model.text,
            short_text=model.short_text,
            notification=f"extra-{i}-{kind.value}",
            actions=model.actions,
        )
        for i in range(people)
        for kind, model in models.items()
    ]
    async with db.transaction() as tx:
        await tx.deliveries.enqueue(items, now=tx.now)


async def test_a_worker_records_in_few_statements_and_everything_at_stop(
    db: Database, plan: Plan, statements: Statements
) -> None:
    nr = await _activate(db, plan)
    await _more(db, nr, 200)
    total = len(await deliveries(db, nr))
    channel = Accepting()
    settings = OutboxSettings(workers=1, batch_size=100)
    outbox = Outbox(db=db, channels={k: channel for k in ChannelKind}, settings=settings)
    statements.counts.clear()
    stop = asyncio.Event()
    runner = asyncio.create_task(outbox.run(stop))
    while len(channel.sent) < total:
        channel.changed.clear()
        await asyncio.wait_for(channel.changed.wait(), timeout=60)
    stop.set()
    await asyncio.wait_for(runner, timeout=60)
    rows = await deliveries(db, nr)
    assert {d.status for d in rows} == {DeliveryStatus.SENT}  # the last outcomes too
    assert all(d.provider_id == f"p-delivery-{d.id}" for d in rows)
    assert len(channel.sent) == total
    # A claim and a last check per round of 100 and a statement per group of outcomes (at
    # most 16: half of max_in_flight); the code this replaced wrote one UPDATE per row.
    assert statements.counts["UPDATE"] <= total / 5
    assert statements.counts["SELECT"] <= total / 5, statements.counts
