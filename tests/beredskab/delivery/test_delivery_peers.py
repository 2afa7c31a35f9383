"""Activation through the real channels to the real peers: Twilio (Prism), SMTP, Telegram.

Failures Prism cannot produce come from canned responses through the twilio library's
injected HTTP client; SMTP and Telegram failures are injected into their local servers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from twilio.http.response import Response

from beredskab.boundary.action_tokens import Use
from beredskab.delivery.links import LinkSigner
from beredskab.delivery.outbox import Outbox
from beredskab.delivery.pacing import PaceLimits
from beredskab.incident import activation
from beredskab.models import Delivery
from beredskab.plan import Plan
from beredskab.settings import OutboxSettings
from beredskab.storage import Database
from notifier.base import Channel
from notifier.channels.email import SmtpConfig, SmtpEmailChannel
from notifier.channels.sms import TwilioConfig, TwilioSmsChannel
from notifier.channels.telegram import TelegramChannel
from notifier.types import ChannelKind, DeliveryStatus
from tests.beredskab.helpers import CHIEF, POLICE, deliveries
from tests.conftest import TestClock
from tests.peers.smtp import PASSWORD, USERNAME, SmtpPeer
from tests.peers.telegram_api import TEST_BOT_TOKEN, ApiError, FakeBotApi
from tests.peers.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    CannedHttpClient,
    PrismHttpClient,
    PrismServer,
    message_created,
    twilio_error,
)

SIGNER = LinkSigner.random()

SETTINGS = OutboxSettings(
    backoff_base_seconds=5, backoff_max_seconds=60, max_attempts=3, fallback_after_seconds=300
)
TWILIO = TwilioConfig(
    account_sid=ACCOUNT_SID,
    auth_token=AUTH_TOKEN,
    from_number=FROM_NUMBER,
    status_callback_base="http://127.0.0.1:8080",
    timeout=30.0,  # generous: a loaded machine is slow, not a failed send
)


@dataclass
class Peers:
    """The three channels wired to their peers, plus what the tests inspect."""

    channels: dict[ChannelKind, Channel]
    smtp: SmtpPeer
    telegram: FakeBotApi
    sms_http: PrismHttpClient | CannedHttpClient


async def _channels(
    smtp: SmtpPeer, telegram: FakeBotApi, sms_http: PrismHttpClient | CannedHttpClient
) -> dict[ChannelKind, Channel]:
    email = SmtpEmailChannel(
        SmtpConfig(
            host=smtp.host,
            port=smtp.port,
            from_address="beredskab@example.org",
            username=USERNAME,
            password=PASSWORD,
            tls_context=smtp.client_context(),
        )
    )
    return {
        ChannelKind.SMS: TwilioSmsChannel(TWILIO, http_client=sms_http),
        ChannelKind.EMAIL: email,
        ChannelKind.TELEGRAM: TelegramChannel.from_token(
            TEST_BOT_TOKEN, api_base_url=telegram.base_url
        ),
    }


@pytest.fixture
async def peers(
    prism: PrismServer, smtp_peer: SmtpPeer, fake_bot_api: FakeBotApi
) -> AsyncIterator[Peers]:
    http = PrismHttpClient(prism.base_url)
    channels = await _channels(smtp_peer, fake_bot_api, http)
    yield Peers(channels, smtp_peer, fake_bot_api, http)
    for channel in channels.values():
        await channel.aclose()


@pytest.fixture
async def clocked_db(tmp_path: Path, clock: TestClock) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/peers.sqlite3", clock=clock)
    await database.upgrade()
    yield database
    await database.dispose()


def _outbox(db: Database, channels: dict[ChannelKind, Channel]) -> Outbox:
    pacing = {
        ChannelKind.TELEGRAM: PaceLimits(rate_per_second=30, per_address_per_second=1),
        ChannelKind.SMS: PaceLimits(rate_per_second=50),
    }
    return Outbox(db=db, channels=channels, settings=SETTINGS, pacing=pacing, signer=SIGNER)


async def _link_everyone(db: Database, plan: Plan) -> dict[str, int]:
    chats = {p.id: 7000 + i for i, p in enumerate(plan.directory.people)}
    async with db.transaction() as tx:
        for person_id, chat in chats.items():
            await tx.people.link_telegram(person_id, user_id=chat, chat_id=chat, now=tx.now)
    return chats


async def _log_texts(db: Database, incident_id: int) -> list[str]:
    async with db.transaction() as tx:
        return [e.text for e in await tx.log.list(incident_id)]


def _by(rows: list[Delivery], **match: object) -> list[Delivery]:
    return [d for d in rows if all(getattr(d, k) == v for k, v in match.items())]


async def test_activation_reaches_every_participant_on_all_three_channels(
    db: Database, plan: Plan, peers: Peers
) -> None:
    chats = await _link_everyone(db, plan)
    result = await activation.activate(
        db=db,
        plan=plan,
        playbook="gruppe-2",
        actor_id=POLICE,
        channel="sms",
        zone=3,
        police_case="3700-1",
    )
    await _outbox(db, peers.channels).drain()
    rows = await deliveries(db, result.incident.id)
    participants = {p.id for p in plan.directory.with_any_role(plan.playbook("2").participants)}  # type: ignore[union-attr]
    # the activator is confirmed: one receipt on the first channel, no buttons
    [receipt] = _by(rows, template="activation", person_id=POLICE)
    assert receipt.channel is ChannelKind.TELEGRAM and receipt.actions == ""
    participants -= {POLICE}
    alerts = [d for d in _by(rows, template="activation") if d.person_id != POLICE]
    assert {(d.person_id, d.channel) for d in alerts} == {
        (p, kind) for p in participants for kind in ChannelKind if kind is not ChannelKind.VOICE
    }
    assert {d.status for d in alerts} == {DeliveryStatus.SENT, DeliveryStatus.DELIVERED}
    # SMS: through the twilio library to Prism, with the validity period and status callback.
    creates = [r for r in peers.sms_http.sent if r.method == "POST"]
    assert len(creates) == len(_by(rows, channel=ChannelKind.SMS))
    assert all(r.data["ValidityPeriod"] == 900 for r in creates)
    assert {r.data["StatusCallback"].split("delivery=")[1] for r in creates} == {
        f"delivery-{d.id}" for d in _by(rows, channel=ChannelKind.SMS)
    }
    # Email: one accepted message per email row, Message-ID recorded as provider id.
    received = {m.message["Message-ID"]: m for m in peers.smtp.handler.received}
    email_rows = _by(rows, channel=ChannelKind.EMAIL)
    assert {d.provider_id for d in email_rows} == set(received)
    assert all(
        "aktiveret" in received[d.provider_id or ""].message["Subject"]
        for d in _by(alerts, channel=ChannelKind.EMAIL)
    )
    # Telegram: every participant's chat got the alert with Modtaget / Kan ikke buttons.
    for person in participants:
        [row] = _by(alerts, person_id=person, channel=ChannelKind.TELEGRAM)
        [alert] = [
            m
            for m in peers.telegram.sent_to(chats[person])
            if row.provider_id == f"{m.chat_id}:{m.message_id}"
        ]
        labels = [b["text"] for row in alert.reply_markup["inline_keyboard"] for b in row]  # type: ignore[index]
        assert labels in (["Modtaget", "Kan ikke"], ["Received", "Cannot come"])
        assert alert.button_data == [
            SIGNER.actions.token(Use.BUTTON, row.id, action) for action in ("ack", "decline")
        ]
        async with db.transaction() as tx:
            assert await tx.people.tokens_for(row.id) == []  # derived, nothing stored


async def test_blocked_bot_falls_back_to_sms_and_the_log_says_so(
    db: Database, plan: Plan, peers: Peers
) -> None:
    from beredskab.incident import standdown

    chats = await _link_everyone(db, plan)
    blocked = plan.directory.person("sara-lund")
    assert blocked is not None
    peers.telegram.fail_chat(chats[blocked.id], ApiError.blocked())
    result = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case="3700-1"
    )
    outbox = _outbox(db, peers.channels)
    await outbox.drain()
    await standdown.close(
        db=db, plan=plan, incident_id=result.incident.id, actor_id=CHIEF, channel="cli"
    )
    await outbox.drain()
    rows = await deliveries(db, result.incident.id)
    # The stand-down goes on one channel (Telegram first) and moves on when it fails.
    mine = _by(rows, template="stand_down", person_id=blocked.id)
    assert [(d.channel, d.status) for d in mine] == [
        (ChannelKind.TELEGRAM, DeliveryStatus.FAILED),
        (ChannelKind.SMS, DeliveryStatus.SENT),
    ]
    assert mine[0].fell_back and "blocked" in (mine[0].error or "")
    assert any(
        blocked.id in t and "stand_down" in t and "sendes nu via sms" in t
        for t in await _log_texts(db, result.incident.id)
    )
    # Everyone else got the stand-down once, on Telegram.
    others = [d for d in _by(rows, template="stand_down") if d.person_id != blocked.id]
    assert {d.channel for d in others} == {ChannelKind.TELEGRAM}
    assert len({d.person_id for d in others}) == len(others)
    # The alert itself went on every channel; the blocked chat is reported, not fatal.
    alert = _by(rows, template="activation", person_id=blocked.id)
    assert {d.channel: d.status for d in alert} == {
        ChannelKind.TELEGRAM: DeliveryStatus.FAILED,
        ChannelKind.SMS: DeliveryStatus.SENT,
        ChannelKind.EMAIL: DeliveryStatus.SENT,
    }


async def test_telegram_429_is_retried_after_retry_after_and_sent_once(
    clocked_db: Database, plan: Plan, peers: Peers, clock: TestClock
) -> None:
    chats = await _link_everyone(clocked_db, plan)
    peers.telegram.fail_next(ApiError.too_many_requests(retry_after=30), methods={"sendMessage"})
    result = await activation.activate(
        db=clocked_db, plan=plan, playbook="1", actor_id=CHIEF, channel="cli"
    )
    outbox = _outbox(clocked_db, peers.channels)
    await outbox.drain()
    telegram_rows = _by(
        await deliveries(clocked_db, result.incident.id), channel=ChannelKind.TELEGRAM
    )
    [waiting] = [d for d in telegram_rows if d.status is DeliveryStatus.QUEUED]
    assert "429" in (waiting.error or "") or "retry" in (waiting.error or "").lower()
    clock.advance(seconds=29)
    await outbox.drain()
    assert (await _get(clocked_db, waiting.id)).status is DeliveryStatus.QUEUED
    clock.advance(seconds=1)
    await outbox.drain()
    assert (await _get(clocked_db, waiting.id)).status is DeliveryStatus.DELIVERED
    texts = [m.text for m in peers.telegram.sent_to(int(waiting.address))]
    assert len(texts) == len(set(texts))  # nothing sent twice
    assert set(chats.values()) >= {m.chat_id for m in peers.telegram.sent}


async def test_smtp_451_is_retried_and_550_is_permanent(
    clocked_db: Database, plan: Plan, peers: Peers, clock: TestClock
) -> None:
    peers.smtp.handler.next_data_replies = ["451 4.3.0 Try again later"]
    result = await activation.activate(
        db=clocked_db, plan=plan, playbook="1", actor_id=CHIEF, channel="cli"
    )
    outbox = _outbox(clocked_db, peers.channels)
    await outbox.drain()
    emails = _by(await deliveries(clocked_db, result.incident.id), channel=ChannelKind.EMAIL)
    [retrying] = [d for d in emails if d.status is DeliveryStatus.QUEUED]
    clock.advance(seconds=5)
    peers.smtp.handler.data_reply = "550 5.1.1 Mailbox unavailable"
    await outbox.drain()
    failed = await _get(clocked_db, retrying.id)
    assert failed.status is DeliveryStatus.FAILED and "550" in (failed.error or "")
    assert any("550" in t for t in await _log_texts(clocked_db, result.incident.id))
    ids = [m.message["Message-ID"] for m in peers.smtp.handler.received]
    assert len(ids) == len(set(ids))


async def test_sms_errors_prism_cannot_produce(
    clocked_db: Database,
    plan: Plan,
    smtp_peer: SmtpPeer,
    fake_bot_api: FakeBotApi,
    clock: TestClock,
) -> None:
    """20429 → retried; 21211 (invalid number) → failed, and a fallback message moves on."""
    result = await activation.activate(
        db=clocked_db, plan=plan, playbook="1", actor_id=CHIEF, channel="cli"
    )
    sms_rows = _by(await deliveries(clocked_db, result.incident.id), channel=ChannelKind.SMS)
    answers: list[Response | BaseException | float] = [
        twilio_error(429, 20429, "Too Many Requests")
    ]
    answers += [message_created(f"SM{i:032x}") for i in range(len(sms_rows))]
    http = CannedHttpClient(*answers)
    channels = await _channels(smtp_peer, fake_bot_api, http)
    try:
        outbox = _outbox(clocked_db, channels)
        await outbox.drain()
        retried = [
            d
            for d in _by(await deliveries(clocked_db, result.incident.id), channel=ChannelKind.SMS)
            if d.status is DeliveryStatus.QUEUED
        ]
        assert len(retried) == 1 and "20429" in (retried[0].error or "")
        clock.advance(seconds=5)
        await outbox.drain()
        final = _by(await deliveries(clocked_db, result.incident.id), channel=ChannelKind.SMS)
        assert {d.status for d in final} == {DeliveryStatus.SENT}
        assert len([r for r in http.sent if r.method == "POST"]) == len(sms_rows) + 1
    finally:
        for channel in channels.values():
            await channel.aclose()


async def test_invalid_number_fails_permanently_and_the_message_moves_to_email(
    db: Database, plan: Plan, smtp_peer: SmtpPeer, fake_bot_api: FakeBotApi
) -> None:
    from beredskab.incident import standdown

    person = plan.directory.person("sara-lund")
    assert person is not None and person.phone
    http = InvalidNumber(person.phone)
    channels = await _channels(smtp_peer, fake_bot_api, http)
    try:
        outbox = _outbox(db, channels)
        result = await activation.activate(
            db=db, plan=plan, playbook="1", actor_id=CHIEF, channel="cli"
        )
        await standdown.close(
            db=db, plan=plan, incident_id=result.incident.id, actor_id=CHIEF, channel="cli"
        )
        await outbox.drain()
    finally:
        for channel in channels.values():
            await channel.aclose()
    rows = await deliveries(db, result.incident.id)
    mine = _by(rows, template="stand_down", person_id=person.id)
    assert [(d.channel, d.status) for d in mine] == [
        (ChannelKind.SMS, DeliveryStatus.FAILED),
        (ChannelKind.EMAIL, DeliveryStatus.SENT),
    ]
    assert "21211" in (mine[0].error or "")
    texts = await _log_texts(db, result.incident.id)
    assert any(person.id in t and "21211" in t and "sendes nu via email" in t for t in texts)
    assert {m.rcpt_tos[0] for m in smtp_peer.handler.received} >= {person.email}


class InvalidNumber(CannedHttpClient):
    """Twilio answers 21211 for one number and accepts every other message."""

    def __init__(self, bad: str) -> None:
        super().__init__()
        self.bad = bad

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        **kwargs: object,
    ) -> Response:
        if data and data.get("To") == self.bad:
            self.answers.append(
                twilio_error(400, 21211, "The 'To' number is not a valid phone number.")
            )
        else:
            self.answers.append(message_created(f"SM{len(self.sent):032x}"))
        return await super().request(method, url, params=params, data=data, **kwargs)  # type: ignore[arg-type]


async def test_sms_whose_worker_died_mid_send_is_not_sent_twice(
    clocked_db: Database,
    plan: Plan,
    smtp_peer: SmtpPeer,
    fake_bot_api: FakeBotApi,
    clock: TestClock,
) -> None:
    await activation.activate(db=clocked_db, plan=plan, playbook="1", actor_id=CHIEF, channel="cli")
    async with clocked_db.transaction() as tx:  # a worker leases the SMS rows, sends one, dies
        claimed = await tx.deliveries.claim(
            owner="dead",
            now=tx.now,
            lease_until=tx.now + timedelta(seconds=60),
            limit=100,
            channel=ChannelKind.SMS,
        )
    sent_by_dead = claimed[0].delivery
    clock.advance(seconds=61)
    already = {
        "sid": "SM" + "d" * 32,
        "to": sent_by_dead.address,
        "body": sent_by_dead.short_text,
        "date_created": clock.now,
    }
    http = TwilioWithHistory([already])
    channels = await _channels(smtp_peer, fake_bot_api, http)
    try:
        await _outbox(clocked_db, channels).run_once(kind=ChannelKind.SMS)
    finally:
        for channel in channels.values():
            await channel.aclose()
    row = await _get(clocked_db, sent_by_dead.id)
    assert row.status is DeliveryStatus.SENT and row.provider_id == "SM" + "d" * 32
    creates = [r for r in http.sent if r.method == "POST"]
    lookups = [r for r in http.sent if r.method == "GET"]
    assert len(lookups) == len(claimed)  # every abandoned row was looked up first
    assert len(creates) == len(claimed) - 1
    assert all(
        sent_by_dead.address != r.data["To"] or r.data["Body"] != sent_by_dead.short_text
        for r in creates
    )


def _message_list(items: list[dict[str, object]]) -> Response:
    messages = [
        {
            "sid": item["sid"],
            "to": item["to"],
            "from": FROM_NUMBER,
            "body": item["body"],
            "status": "sent",
            "account_sid": ACCOUNT_SID,
            "date_created": _rfc2822(item["date_created"]),  # type: ignore[arg-type]
            "date_sent": None,
        }
        for item in items
    ]
    body = {
        "messages": messages,
        "end": len(messages),
        "first_page_uri": "/2010-04-01/Accounts/x/Messages.json?PageSize=50&Page=0",
        "next_page_uri": None,
        "page": 0,
        "page_size": 50,
        "previous_page_uri": None,
        "start": 0,
        "uri": "/2010-04-01/Accounts/x/Messages.json?PageSize=50&Page=0",
    }
    return Response(200, json.dumps(body), {"Content-Type": "application/json"})


def _rfc2822(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


async def _get(db: Database, delivery_id: int) -> Delivery:
    async with db.transaction() as tx:
        row = await tx.deliveries.get(delivery_id)
    assert row is not None
    return row


class TwilioWithHistory(CannedHttpClient):
    """Lists the given messages (filtered by To) and accepts every new one."""

    def __init__(self, history: list[dict[str, object]]) -> None:
        super().__init__()
        self.history = history

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        **kwargs: object,
    ) -> Response:
        if method.upper() == "GET":
            to = (params or {}).get("To")
            self.answers.append(_message_list([m for m in self.history if m["to"] == to]))
        else:
            self.answers.append(message_created(f"SM{len(self.sent):032x}"))
        return await super().request(method, url, params=params, data=data, **kwargs)  # type: ignore[arg-type]
