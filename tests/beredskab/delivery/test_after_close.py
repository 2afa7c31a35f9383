"""Nothing after the stand-down but the stand-down message and the follow-ups, whatever was in
flight; nobody is asked again for a confirmation they gave (in-process channel, SQLite and
PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from beredskab import communications
from beredskab.delivery import after_close, receipts
from beredskab.delivery.outbox import Outbox
from beredskab.incident import activation, escalation, standdown, steps
from beredskab.models import EntryKind
from beredskab.plan import Plan
from beredskab.settings import OutboxSettings
from beredskab.storage import Database
from notifier.types import ChannelKind, DeliveryStatus, Message, Receipt, Recipient
from tests.beredskab.helpers import CHIEF, POLICE, STAFF, deliveries
from tests.conftest import TestClock

FALLBACK_SECONDS = 30.0


class Provider:
    """Reports SENT like Twilio (delivery is confirmed later, or never) and records sends.
    With ``gate`` set, the first send waits for it."""

    name = "provider"
    kinds = frozenset(ChannelKind)

    def __init__(self) -> None:
        self.sent: list[tuple[ChannelKind, str, str]] = []
        self.gate: asyncio.Event | None = None
        self.started = asyncio.Event()

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        self.started.set()
        if self.gate is not None:
            gate, self.gate = self.gate, None
            await gate.wait()
        self.sent.append((recipient.kind, recipient.person_id, message.key))
        return Receipt(provider_id=f"SM-{message.key}", status=DeliveryStatus.SENT)

    async def aclose(self) -> None:
        return None


@pytest.fixture
async def cdb(db_url: str, clock: TestClock) -> AsyncIterator[Database]:
    database = Database(db_url, clock=clock)
    await database.upgrade()
    yield database
    await database.dispose()


def _outbox(db: Database, channel: Provider, *, max_in_flight: int = 32) -> Outbox:
    return Outbox(
        db=db,
        channels={k: channel for k in ChannelKind},
        settings=OutboxSettings(
            fallback_after_seconds=FALLBACK_SECONDS, max_in_flight=max_in_flight
        ),
    )


async def _activate(db: Database, plan: Plan) -> int:
    result = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=POLICE, channel="sms", police_case="3700-55"
    )
    return result.incident.id


async def _close(db: Database, plan: Plan, nr: int) -> None:
    await standdown.close(db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")


async def _log(db: Database, nr: int) -> list[str]:
    async with db.transaction() as tx:
        return [e.text for e in await tx.log.list(nr) if e.kind is EntryKind.DELIVERY]


async def test_tasks_cancelled_by_the_stand_down_are_not_emailed_after_it(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    """Seen: 14 s after a stand-down five staff members were emailed outreach tasks that
    the same stand-down had cancelled (their SMS was not confirmed delivered in time)."""
    channel = Provider()
    outbox = _outbox(cdb, channel)
    nr = await _activate(cdb, plan)
    for step in range(1, 7):  # the outreach step sends the tasks, one channel at a time
        await steps.finish(
            db=cdb, plan=plan, incident_id=nr, step_ref=str(step), actor_id=CHIEF, channel="cli"
        )
    await outbox.drain()
    task_sms = [
        d
        for d in await deliveries(cdb, nr)
        if d.template == "outreach_task" and d.channel is ChannelKind.SMS and d.alternates
    ]
    assert task_sms and all(d.status is DeliveryStatus.SENT for d in task_sms)
    await _close(cdb, plan, nr)
    clock.advance(seconds=FALLBACK_SECONDS + 14)
    await outbox.check_fallbacks()
    await outbox.drain()
    rows = await deliveries(cdb, nr)
    assert not [d for d in rows if d.template == "outreach_task" and d.channel is ChannelKind.EMAIL]
    async with cdb.transaction() as tx:
        closing = next(e.text for e in await tx.log.list(nr) if e.kind is EntryKind.CLOSED)
    assert "beskeder på vej gives ikke videre til en anden kanal" in closing
    # A Twilio "undelivered" for one of them hands nothing over either.
    await receipts.apply_twilio_status(
        db=cdb,
        delivery_id=task_sms[0].id,
        message_sid=task_sms[0].provider_id,
        status="undelivered",
    )
    await outbox.drain()
    rows = await deliveries(cdb, nr)
    assert not [d for d in rows if d.template == "outreach_task" and d.channel is ChannelKind.EMAIL]
    # The stand-down message itself still falls back to the next channel.
    clock.advance(seconds=FALLBACK_SECONDS + 1)
    await outbox.check_fallbacks()
    await outbox.drain()
    rows = await deliveries(cdb, nr)
    assert [d for d in rows if d.template == "stand_down" and d.channel is ChannelKind.EMAIL]


async def test_the_escalation_is_not_emailed_after_the_close(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    """Seen: the chief got "Eskalering - hændelse 1 mangler svar" by email 53 s after she
    closed the incident."""
    channel = Provider()
    outbox = _outbox(cdb, channel)
    nr = await _activate(cdb, plan)
    await outbox.drain()
    clock.advance(minutes=30)
    await escalation.tick(db=cdb, plan=plan, limit=1000)
    await outbox.drain()
    escalations = [d for d in await deliveries(cdb, nr) if d.template == "escalation"]
    assert escalations and {d.channel for d in escalations} == {ChannelKind.SMS}
    await _close(cdb, plan, nr)
    clock.advance(seconds=53)
    await outbox.check_fallbacks()
    await outbox.drain()
    escalations = [d for d in await deliveries(cdb, nr) if d.template == "escalation"]
    assert {d.channel for d in escalations} == {ChannelKind.SMS}
    emailed = {key for kind, _, key in channel.sent if kind is ChannelKind.EMAIL}
    assert not {f"delivery-{d.id}" for d in escalations} & emailed


async def test_a_message_leased_when_the_incident_closes_is_not_sent(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    channel = Provider()
    outbox = _outbox(cdb, channel, max_in_flight=1)  # the rest of the batch waits its turn
    nr = await _activate(cdb, plan)
    await outbox.drain()
    clock.advance(minutes=10)
    await escalation.tick(db=cdb, plan=plan, limit=1000)  # re-sent alerts for everyone silent
    before = len(channel.sent)
    gate = channel.gate = asyncio.Event()
    channel.started.clear()
    round_ = asyncio.create_task(outbox.run_once(kind=ChannelKind.SMS))
    await asyncio.wait_for(channel.started.wait(), timeout=30)
    leased = [d for d in await deliveries(cdb, nr) if d.status is DeliveryStatus.SENDING]
    assert len(leased) > 1
    clock.advance(seconds=1)
    await _close(cdb, plan, nr)  # the leased rows are in the air: not expired here
    gate.set()
    await asyncio.wait_for(round_, timeout=30)
    sent_in_round = channel.sent[before:]
    assert len(sent_in_round) == 1  # the one already at the provider
    rows = {d.id: d for d in await deliveries(cdb, nr)}
    expired = [rows[d.id] for d in leased if rows[d.id].status is DeliveryStatus.EXPIRED]
    assert len(expired) == len(leased) - 1
    assert all(d.error == after_close.CLOSED for d in expired)
    await outbox.drain()  # the stand-down messages still go out
    assert any(
        d.template == "stand_down" and d.status is DeliveryStatus.SENT
        for d in await deliveries(cdb, nr)
    )
    assert not [
        d
        for d in await deliveries(cdb, nr)
        if d.template == "reminder" and d.status in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
    ]


async def test_an_abandoned_row_claimed_after_the_close_is_expired_not_sent(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    channel = Provider()
    outbox = _outbox(cdb, channel)
    nr = await _activate(cdb, plan)
    async with cdb.transaction() as tx:  # a worker leased the alerts, then died
        claimed = await tx.deliveries.claim(
            owner="dead", now=tx.now, lease_until=tx.now, limit=1000
        )
    assert claimed
    clock.advance(seconds=1)
    await _close(cdb, plan, nr)
    clock.advance(minutes=2)
    await outbox.drain()
    sent_keys = {key for _, _, key in channel.sent}
    assert not {f"delivery-{c.delivery.id}" for c in claimed} & sent_keys
    rows = {d.id: d for d in await deliveries(cdb, nr)}
    assert all(rows[c.delivery.id].status is DeliveryStatus.EXPIRED for c in claimed)
    assert any("ikke sendt, fordi hændelsen er afsluttet" in t for t in await _log(cdb, nr))


async def test_the_chief_is_not_phoned_after_she_confirmed_by_approving(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    """Seen: she approved and sent a communication, then was phoned a minute later."""
    channel = Provider()
    outbox = _outbox(cdb, channel)
    nr = await _activate(cdb, plan)
    await outbox.drain()
    clock.advance(minutes=10)
    await escalation.tick(db=cdb, plan=plan, limit=1000)  # her re-sent alert and call queue
    queued = [
        d
        for d in await deliveries(cdb, nr)
        if d.person_id == CHIEF and d.template == "reminder" and d.actions
    ]
    assert ChannelKind.VOICE in {d.channel for d in queued}
    item = await communications.draft(
        db=cdb, plan=plan, incident_id=nr, actor_id=STAFF, channel="web", audience="partners"
    )
    await communications.approve(
        db=cdb, plan=plan, incident_id=nr, communication_id=item.id, actor_id=CHIEF, channel="web"
    )
    await outbox.drain()
    assert not [p for k, p, _ in channel.sent if p == CHIEF and k is ChannelKind.VOICE]
    rows = {d.id: d for d in await deliveries(cdb, nr)}
    assert all(
        rows[d.id].status is DeliveryStatus.EXPIRED and rows[d.id].error == after_close.CONFIRMED
        for d in queued
    )
