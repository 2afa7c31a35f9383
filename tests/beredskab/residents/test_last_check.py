"""The outbox's last look before a resident SMS (``outbox.freshness.LastCheck``) keeps what it
read of the numbers until a subscription changes: a large send is not one read per message,
and a STOP (in this process or another), a new subscription or an erasure makes the next
look read again, so a STOP still stops the rest of a send at once (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from beredskab.delivery import after_close
from beredskab.delivery.outbox import freshness
from beredskab.delivery.outbox.freshness import LastCheck
from beredskab.incident import activation, standdown
from beredskab.models import Delivery
from beredskab.plan import Plan
from beredskab.residents import subscriptions
from beredskab.storage import Database
from beredskab.storage.repositories.deliveries import NewDelivery
from beredskab.storage.signals import RESIDENTS
from notifier.types import ChannelKind
from tests.beredskab.helpers import POLICE, deliveries

PHONES = ["+4529000001", "+4529000002", "+4529000003"]


@pytest.fixture(autouse=True)
def _open_stays_known(monkeypatch: pytest.MonkeyPatch) -> None:
    """An incident seen open stays known open for the test (it is about the numbers)."""
    monkeypatch.setattr(freshness, "OPEN_RECHECK_SECONDS", 3600.0)


async def _resident_rows(db: Database, plan: Plan) -> list[Delivery]:
    result = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case="3700-9"
    )
    nr = result.incident.id
    async with db.transaction() as tx:
        ids = []
        for phone in PHONES:
            found = await subscriptions.subscribe(
                tx, phone=phone, zone=2, language="so", channel=subscriptions.SMS
            )
            ids.append(found.id)
        await tx.deliveries.enqueue(
            [
                NewDelivery(
                    incident_id=nr,
                    person_id=f"{after_close.RESIDENT_PREFIX}{i}",
                    channel=ChannelKind.SMS,
                    address=phone,
                    template="resident_information",
                    subject="",
                    text="Vandet er afbrudt i zone 2.",
                    short_text="Vandet er afbrudt i zone 2.",
                    notification=f"{nr}:c1:r{i}",
                    language="so",
                )
                for i, phone in zip(ids, PHONES, strict=True)
            ],
            now=tx.now,
        )
    return [d for d in await deliveries(db, nr) if after_close.to_resident(d)]


class Reads:
    """Counts the reads a ``LastCheck`` makes."""

    def __init__(self, db: Database) -> None:
        self.count = 0
        self._db = db
        self._original = db.read

    def __enter__(self) -> Reads:
        def counting() -> Any:
            self.count += 1
            return self._original()

        self._db.read = counting  # type: ignore[method-assign]
        return self

    def __exit__(self, *_exc: object) -> None:
        self._db.read = self._original  # type: ignore[method-assign]


async def _claimed(db: Database, check: LastCheck, rows: list[Delivery]) -> None:
    """What a claim does: read the rows' incidents and numbers, and hand that over."""
    generation = check.generation()
    seen_at = time.monotonic()
    async with db.read() as tx:
        ids = {r.incident_id for r in rows if r.incident_id is not None}
        fresh = await tx.deliveries.freshness(ids, set(), {r.address for r in rows})
    check.remember(fresh.closed_at, seen_at=seen_at)
    check.remember_residents(rows, fresh, generation=generation)


async def test_numbers_read_at_the_claim_are_not_read_again_until_a_stop(
    db: Database, plan: Plan
) -> None:
    rows = await _resident_rows(db, plan)
    db.signals.listening = True  # serve's listener is up: other processes' STOPs arrive
    check = LastCheck(db)
    await _claimed(db, check, rows)
    with Reads(db) as reads:
        assert [await check(r) for r in rows] == [None, None, None]
        assert reads.count == 0
        async with db.transaction() as tx:
            assert await subscriptions.stop(tx, phone=PHONES[1])
        assert await check(rows[1]) == after_close.UNSUBSCRIBED
        assert reads.count == 1
        assert await check(rows[0]) is None  # forgotten at the STOP: read again
        assert reads.count == 2
        assert await check(rows[0]) is None
        assert reads.count == 2


async def test_a_stop_in_another_process_or_a_new_subscription_makes_it_read_again(
    db: Database, plan: Plan
) -> None:
    rows = await _resident_rows(db, plan)
    db.signals.listening = True
    check = LastCheck(db)
    await _claimed(db, check, rows)
    with Reads(db) as reads:
        db.signals.receive(f"another-process {RESIDENTS}")
        assert await check(rows[0]) is None
        assert reads.count == 1
        async with db.transaction() as tx:
            await subscriptions.subscribe(
                tx, phone="+4529000009", zone=2, language="da", channel=subscriptions.SMS
            )
            assert RESIDENTS in tx.topics
        assert await check(rows[0]) is None
        assert reads.count == 2


async def test_a_read_overtaken_by_a_stop_is_not_kept(db: Database, plan: Plan) -> None:
    """A claim whose read began before a STOP's signal answers for its own rows only."""
    rows = await _resident_rows(db, plan)
    db.signals.listening = True
    check = LastCheck(db)
    generation = check.generation()
    async with db.read() as tx:
        fresh = await tx.deliveries.freshness(set(), set(), set(PHONES))
    async with db.transaction() as tx:
        await subscriptions.stop(tx, phone=PHONES[2])
    check.remember_residents(rows, fresh, generation=generation)  # read says subscribed
    with Reads(db) as reads:
        assert await check(rows[2]) == after_close.UNSUBSCRIBED
        assert reads.count == 1


async def test_while_no_signal_can_arrive_every_resident_sms_is_read(
    db: Database, plan: Plan
) -> None:
    rows = await _resident_rows(db, plan)
    db.signals.listening = False  # a STOP in another process would go unheard
    check = LastCheck(db)
    await _claimed(db, check, rows)
    with Reads(db) as reads:
        assert [await check(r) for r in rows] == [None, None, None]
        assert reads.count == len(rows)


async def test_erasing_a_resident_signals_like_a_stop(db: Database, plan: Plan) -> None:
    await _resident_rows(db, plan)
    async with db.transaction() as tx:
        assert await tx.privacy.replace_text(PHONES[:1], lambda s: s.replace(PHONES[0], "x")) > 0
        assert RESIDENTS in tx.topics
    async with db.read() as tx:
        assert await tx.residents.current(PHONES[0]) is None


async def test_a_stand_down_makes_the_next_resident_sms_read_its_incident_again(
    db: Database, plan: Plan
) -> None:
    rows = await _resident_rows(db, plan)
    db.signals.listening = True
    check = LastCheck(db)
    await _claimed(db, check, rows)
    assert rows[0].incident_id is not None
    await standdown.close(
        db=db, plan=plan, incident_id=rows[0].incident_id, actor_id=POLICE, channel="cli"
    )
    with Reads(db) as reads:
        assert await check(rows[0]) == after_close.CLOSED
        assert reads.count == 1
