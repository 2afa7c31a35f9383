"""The email rendered once per notification and personalised per recipient: what arrives
matches a full ``EmailMessage`` build, names in any script survive, and the personal parts
(link, address) cannot add headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import pytest_asyncio
from aiosmtplib.email import flatten_message

from notifier.channels.email import (
    SmtpConfig,
    SmtpEmailChannel,
    SmtpShared,
    build_email,
    message_id,
    smtp_pool,
)
from notifier.channels.email_mime import Composer, plain_address
from notifier.errors import PermanentDeliveryError
from notifier.types import ChannelKind, Message, Recipient
from tests.peers.smtp import PASSWORD, USERNAME, SmtpPeer

ARABIC = "أحمد الخطيب"
HEADERS = ["From", "Subject", "To", "Date", "Message-ID", "Auto-Submitted", "Content-Language"]
HEADERS += ["MIME-Version", "Content-Type"]
MESSAGE = Message(
    key="delivery-7",
    subject=f"ØVELSE: Opgave 3 givet til {ARABIC} – brand i blok 3, Æblevej 5, en emnelinje "
    "så lang at den skal foldes",
    text=f"Hej Søren Ærø og {ARABIC}.\nMød op på kontoret, Æblevej 5.\n\nHilsen sekretariatet",
    short_text="Gruppe 2 aktiveret.",
    link="https://beredskab.example/k/abc?x=1&y=2",
)


def config_for(peer: SmtpPeer | None = None, **changes: object) -> SmtpConfig:
    base = SmtpConfig(
        host=peer.host if peer else "127.0.0.1",
        port=peer.port if peer else 25,
        from_address="beredskab@boligomraade.example",
        from_name="Beredskab Ærø – طوارئ",
        username=USERNAME,
        password=PASSWORD,
        tls_context=peer.client_context() if peer else None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def to(address: str) -> Recipient:
    return Recipient(person_id="p-1", kind=ChannelKind.EMAIL, address=address)


def parse(data: bytes) -> EmailMessage:
    parsed = message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",))
    rich = message.get_body(preferencelist=("html",))
    assert isinstance(plain, EmailMessage) and isinstance(rich, EmailMessage)
    return str(plain.get_content()), str(rich.get_content())


@pytest_asyncio.fixture
async def pool(smtp_peer: SmtpPeer) -> AsyncIterator[list[SmtpEmailChannel]]:
    built = smtp_pool(config_for(smtp_peer), 3)
    members = [m for m in built.members if isinstance(m, SmtpEmailChannel)]
    yield members
    await built.aclose()


@pytest.mark.parametrize("address", ["soren@boligomraade.example", "søren@æblevej.example"])
@pytest.mark.parametrize("link", [MESSAGE.link, None])
def test_composed_email_reads_as_the_full_build(address: str, link: str | None) -> None:
    config, message = config_for(), replace(MESSAGE, link=link)
    full = parse(
        flatten_message(build_email(config, to(address), message), utf8=not address.isascii())
    )
    msgid = message_id(message.key, config.domain)
    composed = parse(Composer(config).compose(address, message, "da", msgid))
    for header in ("From", "To", "Subject", "Message-ID", "Auto-Submitted", "MIME-Version"):
        assert str(composed[header]) == str(full[header]), header
    assert composed["Subject"] == MESSAGE.subject
    assert composed["From"] == "Beredskab Ærø – طوارئ <beredskab@boligomraade.example>"
    assert composed["Content-Language"] == "da"
    assert composed.get_content_type() == "multipart/alternative"
    # Same text; line ends are CRLF in both parts here (canonical form for base64 text,
    # RFC 2045), where the full build left LF in a part it chose to base64-encode.
    assert [p.replace("\r\n", "\n") for p in parts(composed)] == [
        p.replace("\r\n", "\n") for p in parts(full)
    ]


def test_headers_are_ascii_and_folded() -> None:
    config = config_for()
    data = Composer(config).compose("a@b.example", MESSAGE, "da", "<k@b.example>")
    head = data.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # names in RFC 2047 words, bodies in base64
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_one_rendering_per_notification_personalised_per_recipient() -> None:
    composer = Composer(config_for())
    first = composer.compose("a@b.example", MESSAGE, "da", "<1@b.example>")
    second = composer.compose(
        "c@d.example",
        replace(MESSAGE, key="2", link="https://beredskab.example/k/other"),
        "da",
        "<2@b.example>",
    )
    assert len(composer._cache) == 1
    one, two = parse(first), parse(second)
    assert (one["To"], one["Message-ID"]) == ("a@b.example", "<1@b.example>")
    assert (two["To"], two["Message-ID"]) == ("c@d.example", "<2@b.example>")
    assert "https://beredskab.example/k/abc?x=1&y=2" in parts(one)[0]
    assert "https://beredskab.example/k/other" in parts(two)[0]
    assert "abc" not in parts(two)[0] + parts(two)[1]
    composer.compose("a@b.example", replace(MESSAGE, text="Anden tekst"), "da", "<3@b.example>")
    assert len(composer._cache) == 2


@pytest.mark.parametrize(
    "link",
    [
        "https://x.example/k/a\r\nBcc: victim@evil.example",
        "https://x.example/k/a\nContent-Type: text/plain\n\nforged",
        'https://x.example/k/"><script>alert(1)</script>',
    ],
)
def test_a_link_cannot_add_headers_or_markup(link: str) -> None:
    data = Composer(config_for()).compose(
        "a@b.example", replace(MESSAGE, link=link), "da", "<k@b.example>"
    )
    email = parse(data)
    assert email["Bcc"] is None
    assert sorted(email.keys()) == sorted(HEADERS)
    assert email.get_content_type() == "multipart/alternative"
    assert len(list(email.iter_parts())) == 2
    plain, rich = parts(email)
    assert "<script>" not in rich
    assert link.splitlines()[0] in plain


@pytest.mark.parametrize(
    "address",
    ["a@b.example\r\nBcc: victim@evil.example", "a b@c.example", "<a@b.example>", "a@b@c", ""],
)
def test_addresses_that_are_not_plain_are_refused_by_the_composer(address: str) -> None:
    assert not plain_address(address)
    with pytest.raises(ValueError, match="plain email address"):
        Composer(config_for()).compose(address, MESSAGE, "da", "<k@b.example>")


async def test_recipients_get_their_own_email_through_one_tls_context(
    pool: list[SmtpEmailChannel], smtp_peer: SmtpPeer
) -> None:
    shared = {id(member.shared) for member in pool}
    assert len(shared) == 1
    before = smtp_peer.connections
    for n, member in enumerate(pool * 2):
        address = f"person-{n}@æblevej.example" if n % 2 else f"person-{n}@boligomraade.example"
        link = f"https://beredskab.example/k/token-{n}"
        await member.send(to(address), replace(MESSAGE, key=f"delivery-{n}", link=link))
    received = smtp_peer.handler.received
    assert [m.rcpt_tos for m in received] == [
        [f"person-{n}@æblevej.example" if n % 2 else f"person-{n}@boligomraade.example"]
        for n in range(6)
    ]
    for n, mail in enumerate(received):
        assert mail.message["Message-ID"] == f"<delivery-{n}@boligomraade.example>"
        assert mail.message["To"] == mail.rcpt_tos[0]
        assert mail.message["Subject"] == MESSAGE.subject
        plain, rich = parts(mail.message)
        assert f"token-{n}" in plain and f'href="https://beredskab.example/k/token-{n}"' in rich
        assert ARABIC in plain and "Søren Ærø" in rich
    assert smtp_peer.connections - before == 3


async def test_tls_context_is_built_once_per_pool(smtp_peer: SmtpPeer, tmp_path: Path) -> None:
    ca = smtp_peer.write_ca(tmp_path)
    built = smtp_pool(config_for(smtp_peer, tls_context=None, ca_file=ca), 3)
    before = smtp_peer.connections
    members = [m for m in built.members if isinstance(m, SmtpEmailChannel)]
    try:
        for n in range(6):
            await built.send(to(f"p{n}@boligomraade.example"), replace(MESSAGE, key=str(n)))
        shared: SmtpShared = members[0].shared
        assert shared.contexts_built == 1
        assert all(m.shared is shared for m in members)
    finally:
        await built.aclose()
    assert len(smtp_peer.handler.received) == 6 and smtp_peer.connections - before == 3


async def test_an_address_with_a_line_break_is_refused_permanently(
    pool: list[SmtpEmailChannel], smtp_peer: SmtpPeer
) -> None:
    with pytest.raises(PermanentDeliveryError, match="cannot build"):
        await pool[0].send(to("a@b.example\r\nBcc: victim@evil.example"), MESSAGE)
    assert smtp_peer.handler.received == []


async def test_an_address_with_a_display_name_still_goes_the_full_way(
    pool: list[SmtpEmailChannel], smtp_peer: SmtpPeer
) -> None:
    await pool[0].send(to("Søren Ærø <soren@boligomraade.example>"), MESSAGE)
    [mail] = smtp_peer.handler.received
    assert mail.rcpt_tos == ["soren@boligomraade.example"]
    assert mail.message["To"].addresses[0].display_name == "Søren Ærø"
