"""Delivery receipts move rows forward only; unconfirmed messages fall back in time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from beredskab.delivery import receipts
from beredskab.delivery.outbox import Outbox
from beredskab.incident import activation, chain_head, standdown
from beredskab.plan import Plan
from beredskab.settings import OutboxSettings
from beredskab.storage import Database
from notifier.types import ChannelKind, DeliveryStatus, Message, Receipt, Recipient
from tests.beredskab.helpers import CHIEF, deliveries
from tests.conftest import TestClock


class ProviderLike:
    """A unit-test channel that reports SENT (like Twilio) and records sends."""

    name = "provider-like"
    kinds = frozenset(ChannelKind)

    def __init__(self) -> None:
        self.sent: list[tuple[ChannelKind, str]] = []

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        self.sent.append((recipient.kind, recipient.address))
        return Receipt(provider_id=f"SM-{message.key}", status=DeliveryStatus.SENT)

    async def aclose(self) -> None:
        return None


@pytest.fixture
async def clocked_db(tmp_path: Path, clock: TestClock) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/r.sqlite3", clock=clock)
    await database.upgrade()
    yield database
    await database.dispose()


async def _stand_down_sms(db: Database, plan: Plan) -> tuple[int, Outbox, ProviderLike]:
    channel = ProviderLike()
    outbox = Outbox(
        db=db,
        channels={k: channel for k in ChannelKind},
        settings=OutboxSettings(fallback_after_seconds=120),
    )
    nr = (
        await activation.activate(db=db, plan=plan, playbook="1", actor_id=CHIEF, channel="cli")
    ).incident.id
    await standdown.close(db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")
    await outbox.drain()
    return nr, outbox, channel


@pytest.mark.parametrize(
    ("sequence", "final"),
    [
        (["sent", "delivered"], DeliveryStatus.DELIVERED),
        (["delivered", "sent", "queued"], DeliveryStatus.DELIVERED),  # never backwards
        (["sent", "undelivered"], DeliveryStatus.FAILED),
        (["failed", "delivered"], DeliveryStatus.FAILED),
        (["sending", "accepted"], DeliveryStatus.SENT),
    ],
)
async def test_twilio_status_callbacks_only_move_forward(
    clocked_db: Database, plan: Plan, sequence: list[str], final: DeliveryStatus
) -> None:
    nr, _outbox, _channel = await _stand_down_sms(clocked_db, plan)
    row = next(
        d
        for d in await deliveries(clocked_db, nr)
        if d.channel is ChannelKind.SMS and d.template == "stand_down"
    )
    for status in sequence:
        await receipts.apply_twilio_status(
            db=clocked_db, delivery_id=row.id, message_sid=row.provider_id, status=status
        )
    after = next(d for d in await deliveries(clocked_db, nr) if d.id == row.id)
    assert after.status is final


async def test_undelivered_sms_hands_the_message_to_email(clocked_db: Database, plan: Plan) -> None:
    nr, outbox, _channel = await _stand_down_sms(clocked_db, plan)
    row = next(
        d
        for d in await deliveries(clocked_db, nr)
        if d.template == "stand_down" and d.channel is ChannelKind.SMS and d.next_channels()
    )
    result = await receipts.apply_twilio_status(
        db=clocked_db,
        delivery_id=None,
        message_sid=row.provider_id,
        status="undelivered",
        error_code="30003",
    )
    assert result.changed and result.status is DeliveryStatus.FAILED
    again = await receipts.apply_twilio_status(
        db=clocked_db, delivery_id=row.id, message_sid=None, status="undelivered"
    )
    assert not again.changed  # a replayed callback changes nothing
    await outbox.drain()
    copies = [d for d in await deliveries(clocked_db, nr) if d.notification == row.notification]
    assert [(d.channel, d.status) for d in copies] == [
        (ChannelKind.SMS, DeliveryStatus.FAILED),
        (ChannelKind.EMAIL, DeliveryStatus.SENT),
    ]
    async with clocked_db.transaction() as tx:
        log = [e.text for e in await tx.log.list(nr)]
    assert any("30003" in t and "sendes nu via email" in t for t in log)


async def test_unknown_receipts_change_nothing(clocked_db: Database) -> None:
    result = await receipts.apply_twilio_status(
        db=clocked_db, delivery_id=999, message_sid="SMnope", status="delivered"
    )
    assert not result.changed and result.status is None


async def test_sms_not_confirmed_delivered_in_time_falls_back(
    clocked_db: Database, plan: Plan, clock: TestClock
) -> None:
    nr, outbox, _channel = await _stand_down_sms(clocked_db, plan)
    closing = ("stand_down", chain_head.TEMPLATE)  # the leader's chain head falls back too
    stand_down = [d for d in await deliveries(clocked_db, nr) if d.template in closing]
    waiting = [d for d in stand_down if d.channel is ChannelKind.SMS and d.next_channels()]
    assert waiting and all(d.status is DeliveryStatus.SENT for d in waiting)
    delivered = waiting[0]
    await receipts.apply_twilio_status(
        db=clocked_db, delivery_id=delivered.id, message_sid=None, status="delivered"
    )
    clock.advance(seconds=119)
    assert await outbox.check_fallbacks() == 0  # never early
    clock.advance(seconds=1)
    assert await outbox.check_fallbacks() == len(waiting) - 1
    assert await outbox.check_fallbacks() == 0  # and only once
    await outbox.drain()
    rows = await deliveries(clocked_db, nr)
    for row in waiting[1:]:
        copies = [d.channel for d in rows if d.notification == row.notification]
        assert copies == [ChannelKind.SMS, ChannelKind.EMAIL]
    assert [d.channel for d in rows if d.notification == delivered.notification] == [
        ChannelKind.SMS
    ]


def test_delivery_keys() -> None:
    assert receipts.parse_delivery_key("delivery-42") == 42
    assert receipts.parse_delivery_key("delivery-x") is None
    assert receipts.parse_delivery_key("other-1") is None
