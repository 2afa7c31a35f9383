"""The same contract, run against every channel and its real peer.

Every channel: delivers a message and returns a receipt with a provider id; raises
``PermanentDeliveryError`` / ``TransientDeliveryError`` for the peer's permanent / temporary
refusals (and recovers after a temporary one); closes idempotently.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from notifier.base import Channel
from notifier.channels.console import ConsoleChannel
from notifier.channels.email import SmtpConfig, SmtpEmailChannel
from notifier.channels.sms import TwilioConfig, TwilioSmsChannel
from notifier.channels.telegram import TelegramChannel
from notifier.errors import PermanentDeliveryError, TransientDeliveryError
from notifier.types import Button, ChannelKind, DeliveryStatus, Message, Recipient
from tests.peers.smtp import PASSWORD, USERNAME, SmtpPeer
from tests.peers.telegram_api import ApiError, FakeBotApi
from tests.peers.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    PrismHttpClient,
    PrismServer,
    twilio_error,
)

MESSAGE = Message(
    key="contract-1",
    subject="Beredskab gruppe 2 aktiveret",
    text="Beredskabsgruppe 2 er aktiveret. Mød op på kontoret.",
    short_text="Gruppe 2 aktiveret. Mød op.",
    topic="1",
    link="https://beredskab.example/k/1",
    buttons=(Button("Modtaget", "ack:1"),),
)


@dataclass
class Harness:
    """A channel wired to its peer, with the peer's failure switches."""

    channel: Channel
    recipient: Recipient
    delivered: Callable[[], int]
    fail_permanently: Callable[[], None] | None
    fail_transiently_once: Callable[[], None] | None


def console(tmp_path: Path) -> Harness:
    path = tmp_path / "outbox.jsonl"
    channel: Channel = ConsoleChannel(path, echo=io.StringIO())

    def delivered() -> int:
        if not path.exists():
            return 0
        return len([json.loads(line) for line in path.read_text("utf-8").splitlines()])

    recipient = Recipient(person_id="p-1", kind=ChannelKind.SMS, address="+4512345678")
    return Harness(channel, recipient, delivered, None, None)


def sms(prism: PrismServer) -> Harness:
    http = PrismHttpClient(prism.base_url)
    config = TwilioConfig(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        from_number=FROM_NUMBER,
        status_callback_base="https://beredskab.example",
    )
    channel: Channel = TwilioSmsChannel(config, http_client=http)
    return Harness(
        channel,
        Recipient(person_id="p-1", kind=ChannelKind.SMS, address="+4512345678"),
        lambda: http.statuses.count(201),
        lambda: http.fail_next(twilio_error(400, 21211, "The 'To' number is not valid")),
        lambda: http.fail_next(twilio_error(429, 20429, "Too Many Requests")),
    )


def email(peer: SmtpPeer) -> Harness:
    config = SmtpConfig(
        host=peer.host,
        port=peer.port,
        from_address="beredskab@boligomraade.example",
        username=USERNAME,
        password=PASSWORD,
        tls_context=peer.client_context(),
        timeout=30,
    )
    channel: Channel = SmtpEmailChannel(config)

    def reject() -> None:
        peer.handler.rcpt_reply = "550 5.1.1 No such user"

    return Harness(
        channel,
        Recipient(person_id="p-1", kind=ChannelKind.EMAIL, address="p1@boligomraade.example"),
        lambda: len(peer.handler.received),
        reject,
        lambda: peer.handler.next_data_replies.append("451 4.3.0 Try again later"),
    )


def telegram(api: FakeBotApi) -> Harness:
    channel: Channel = TelegramChannel.from_token(api.token, api_base_url=api.base_url)
    chat = 4242
    return Harness(
        channel,
        Recipient(person_id="p-1", kind=ChannelKind.TELEGRAM, address=str(chat)),
        lambda: len(api.sent),
        lambda: api.fail_chat(chat, ApiError.blocked()),
        lambda: api.fail_next(ApiError.too_many_requests(2), methods={"sendMessage"}),
    )


CHANNELS = ["console", "sms", "email", "telegram"]
FAILING = ["sms", "email", "telegram"]  # the console channel has no provider to refuse


@pytest_asyncio.fixture
async def harness(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    prism: PrismServer,
    smtp_peer: SmtpPeer,
    fake_bot_api: FakeBotApi,
) -> AsyncIterator[Harness]:
    built = {
        "console": lambda: console(tmp_path),
        "sms": lambda: sms(prism),
        "email": lambda: email(smtp_peer),
        "telegram": lambda: telegram(fake_bot_api),
    }[request.param]()
    yield built
    await built.channel.aclose()


@pytest.mark.parametrize("harness", CHANNELS, indirect=True)
async def test_delivers_and_returns_a_receipt(harness: Harness) -> None:
    assert harness.recipient.kind in harness.channel.kinds
    receipt = await harness.channel.send(harness.recipient, MESSAGE)
    assert receipt.provider_id
    assert receipt.status in (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)
    assert harness.delivered() == 1


@pytest.mark.parametrize("harness", FAILING, indirect=True)
async def test_permanent_refusal_raises_permanent(harness: Harness) -> None:
    assert harness.fail_permanently is not None
    harness.fail_permanently()
    with pytest.raises(PermanentDeliveryError):
        await harness.channel.send(harness.recipient, MESSAGE)
    assert harness.delivered() == 0


@pytest.mark.parametrize("harness", FAILING, indirect=True)
async def test_temporary_refusal_raises_transient_then_recovers(harness: Harness) -> None:
    assert harness.fail_transiently_once is not None
    harness.fail_transiently_once()
    with pytest.raises(TransientDeliveryError):
        await harness.channel.send(harness.recipient, MESSAGE)
    assert harness.delivered() == 0
    await harness.channel.send(harness.recipient, MESSAGE)
    assert harness.delivered() == 1


@pytest.mark.parametrize("harness", CHANNELS, indirect=True)
async def test_aclose_is_idempotent(harness: Harness) -> None:
    await harness.channel.send(harness.recipient, MESSAGE)
    await harness.channel.aclose()
    await harness.channel.aclose()
    assert harness.delivered() == 1


@pytest.mark.parametrize("harness", CHANNELS, indirect=True)
async def test_channel_declares_name_and_kinds(harness: Harness) -> None:
    assert harness.channel.name
    assert harness.channel.kinds
    assert all(isinstance(kind, ChannelKind) for kind in harness.channel.kinds)
