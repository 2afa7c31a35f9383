"""The SMTP channel against a real aiosmtpd server with STARTTLS and AUTH."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest
import pytest_asyncio

from notifier.channels.email import SmtpConfig, SmtpEmailChannel, message_id
from notifier.errors import (
    ChannelConfigError,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnknownOutcomeError,
)
from notifier.types import ChannelKind, DeliveryStatus, Message, Recipient
from tests.peers.smtp import PASSWORD, USERNAME, SmtpPeer

TO = Recipient(person_id="p-1", kind=ChannelKind.EMAIL, address="søren@boligomraade.example")
MESSAGE = Message(
    key="delivery-42",
    subject="ØVELSE: Beredskab gruppe 2 aktiveret – brand i blok 3",
    text="Beredskabsgruppe 2 er aktiveret.\nMød op på kontoret, Æblevej 5.\n\nHilsen sekretariatet",
    short_text="Gruppe 2 aktiveret.",
    link="https://beredskab.example/k/abc?x=1&y=2",
)


def config_for(peer: SmtpPeer, **changes: object) -> SmtpConfig:
    base = SmtpConfig(
        host=peer.host,
        port=peer.port,
        from_address="beredskab@boligomraade.example",
        username=USERNAME,
        password=PASSWORD,
        security="starttls",
        tls_context=peer.client_context(),
        timeout=30,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest_asyncio.fixture
async def channel(smtp_peer: SmtpPeer) -> AsyncIterator[SmtpEmailChannel]:
    built = SmtpEmailChannel(config_for(smtp_peer))
    yield built
    await built.aclose()


def parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",))
    rich = message.get_body(preferencelist=("html",))
    assert isinstance(plain, EmailMessage)
    assert isinstance(rich, EmailMessage)
    return str(plain.get_content()), str(rich.get_content())


async def test_message_arrives_with_message_id_and_both_parts(
    channel: SmtpEmailChannel, smtp_peer: SmtpPeer
) -> None:
    receipt = await channel.send(TO, MESSAGE)

    [mail] = smtp_peer.handler.received
    assert receipt.provider_id == "<delivery-42@boligomraade.example>"
    assert receipt.status is DeliveryStatus.SENT
    assert mail.message["Message-ID"] == receipt.provider_id
    assert mail.login == USERNAME
    assert mail.tls
    assert mail.rcpt_tos == ["søren@boligomraade.example"]
    assert mail.message["Subject"] == MESSAGE.subject
    assert mail.message["From"] == "Beredskab <beredskab@boligomraade.example>"
    assert mail.message.get_content_type() == "multipart/alternative"
    plain, rich = parts(mail.message)
    assert "Mød op på kontoret, Æblevej 5." in plain
    assert "https://beredskab.example/k/abc?x=1&y=2" in plain
    assert "Æblevej 5" in rich
    assert 'href="https://beredskab.example/k/abc?x=1&amp;y=2"' in rich
    assert 'lang="da"' in rich


async def test_message_without_link_has_no_link(
    channel: SmtpEmailChannel, smtp_peer: SmtpPeer
) -> None:
    await channel.send(TO, replace(MESSAGE, link=None))
    plain, rich = parts(smtp_peer.handler.received[0].message)
    assert "Kvittér" not in plain
    assert "<a " not in rich


async def test_burst_reuses_one_connection(channel: SmtpEmailChannel, smtp_peer: SmtpPeer) -> None:
    before = smtp_peer.connections
    for n in range(3):
        await channel.send(TO, replace(MESSAGE, key=f"k{n}"))
    assert smtp_peer.connections - before == 1
    ids = [m.message["Message-ID"] for m in smtp_peer.handler.received]
    assert ids == [f"<k{n}@boligomraade.example>" for n in range(3)]


@pytest.mark.parametrize("idle_check_after", [0.0, 60.0])
async def test_reconnects_when_server_dropped_the_connection(
    smtp_peer: SmtpPeer, idle_check_after: float
) -> None:
    channel = SmtpEmailChannel(config_for(smtp_peer, idle_check_after=idle_check_after))
    try:
        await channel.send(TO, MESSAGE)
        smtp_peer.drop_connections()
        await asyncio.sleep(0.05)
        before = smtp_peer.connections
        await channel.send(TO, replace(MESSAGE, key="again"))
        assert smtp_peer.connections - before == 1
        assert len(smtp_peer.handler.received) == 2
    finally:
        await channel.aclose()


async def test_wrong_password_is_permanent(smtp_peer: SmtpPeer) -> None:
    channel = SmtpEmailChannel(config_for(smtp_peer, password="forkert"))
    try:
        with pytest.raises(PermanentDeliveryError, match="credentials"):
            await channel.send(TO, MESSAGE)
    finally:
        await channel.aclose()
    assert smtp_peer.handler.received == []


async def test_untrusted_certificate_is_permanent(smtp_peer: SmtpPeer) -> None:
    channel = SmtpEmailChannel(config_for(smtp_peer, tls_context=None))
    try:
        with pytest.raises(PermanentDeliveryError, match="not trusted"):
            await channel.send(TO, MESSAGE)
    finally:
        await channel.aclose()
    assert smtp_peer.handler.received == []


async def test_ca_file_is_trusted(smtp_peer: SmtpPeer, tmp_path: Path) -> None:
    ca_file = smtp_peer.write_ca(tmp_path)
    channel = SmtpEmailChannel(config_for(smtp_peer, tls_context=None, ca_file=ca_file))
    try:
        await channel.send(TO, MESSAGE)
    finally:
        await channel.aclose()
    assert len(smtp_peer.handler.received) == 1


@pytest.mark.parametrize(
    ("stage", "reply", "expected"),
    [
        ("data", "421 4.3.2 Service shutting down", TransientDeliveryError),
        ("data", "451 4.3.0 Try again later", TransientDeliveryError),
        ("data", "554 5.6.0 Message rejected", PermanentDeliveryError),
        ("rcpt", "450 4.2.1 Mailbox busy", TransientDeliveryError),
        ("rcpt", "550 5.1.1 No such user", PermanentDeliveryError),
    ],
)
async def test_reply_codes_map_to_error_kinds(
    channel: SmtpEmailChannel,
    smtp_peer: SmtpPeer,
    stage: str,
    reply: str,
    expected: type[Exception],
) -> None:
    setattr(smtp_peer.handler, f"{stage}_reply", reply)
    with pytest.raises(expected, match=reply.split()[0]):
        await channel.send(TO, MESSAGE)
    # The channel recovers for the next message once the server accepts again.
    setattr(smtp_peer.handler, f"{stage}_reply", None)
    await channel.send(TO, MESSAGE)
    assert len(smtp_peer.handler.received) == 1


async def test_connection_refused_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    channel = SmtpEmailChannel(
        SmtpConfig(host="127.0.0.1", port=port, from_address="a@b.example", timeout=30)
    )
    try:
        with pytest.raises(TransientDeliveryError, match="unreachable"):
            await channel.send(TO, MESSAGE)
    finally:
        await channel.aclose()


async def test_implicit_tls(smtps_peer: SmtpPeer) -> None:
    channel = SmtpEmailChannel(
        SmtpConfig(
            host=smtps_peer.host,
            port=smtps_peer.port,
            from_address="beredskab@boligomraade.example",
            security="tls",
            tls_context=smtps_peer.client_context(),
            timeout=30,
        )
    )
    try:
        await channel.send(TO, MESSAGE)
    finally:
        await channel.aclose()
    [mail] = smtps_peer.handler.received
    assert mail.message["Message-ID"] == "<delivery-42@boligomraade.example>"


async def test_aclose_quits_and_is_idempotent(
    channel: SmtpEmailChannel, smtp_peer: SmtpPeer
) -> None:
    await channel.send(TO, MESSAGE)
    await channel.aclose()
    await channel.aclose()
    before = smtp_peer.connections
    await channel.send(TO, MESSAGE)  # a closed channel reconnects on demand
    assert smtp_peer.connections - before == 1


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("42", "<42@x.example>"),
        ("a b<c>@d", "<a%20b%3Cc%3E%40d@x.example>"),
        (".dot..", "<%2Edot%2E%2E@x.example>"),
    ],
)
def test_message_id_is_valid_and_reversible(key: str, expected: str) -> None:
    assert message_id(key, "x.example") == expected


@pytest.mark.parametrize(
    "changes",
    [
        {"security": "ssl"},
        {"port": 0},
        {"from_address": "no-domain"},
        {"username": "only-user"},
        {"timeout": 0},
    ],
)
def test_invalid_config_is_rejected(changes: dict[str, object]) -> None:
    with pytest.raises(ChannelConfigError):
        settings: dict[str, object] = {"host": "h", "port": 25, "from_address": "a@b.example"}
        SmtpConfig(**(settings | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize("recorded", [True, False])
async def test_connection_dropped_mid_data_is_an_unknown_outcome(
    channel: SmtpEmailChannel, smtp_peer: SmtpPeer, recorded: bool
) -> None:
    smtp_peer.handler.reset(1, recorded=recorded)
    before = smtp_peer.connections
    with pytest.raises(UnknownOutcomeError):
        await channel.send(TO, MESSAGE)
    assert smtp_peer.handler.resets == 1
    assert len(smtp_peer.handler.received) == int(recorded)
    receipt = await channel.send(TO, MESSAGE)  # the next send opens a new connection
    assert receipt.provider_id == message_id(MESSAGE.key, "boligomraade.example")
    assert smtp_peer.connections == before + 2 and len(smtp_peer.handler.received) == 1 + int(
        recorded
    )
