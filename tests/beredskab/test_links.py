"""LinkSigner and the link the outbox puts into email messages."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from beredskab.errors import ConfigError
from beredskab.links import LinkSigner, url
from beredskab.models import ActionToken, Delivery
from beredskab.outbox import message_for
from beredskab.settings import SecuritySettings
from notifier.types import ChannelKind, DeliveryStatus

SECRET = b"s" * 32
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def test_sign_appends_a_truncated_hmac_and_verify_returns_the_value() -> None:
    signer = LinkSigner(SECRET)
    token = signer.sign("abc_DEF-123")
    mac = hmac.new(SECRET, b"abc_DEF-123", hashlib.sha256).digest()[:16]
    assert token == "abc_DEF-123." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    assert signer.verify(token) == "abc_DEF-123"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # last mac character
        lambda t: ("x" if t[0] != "x" else "y") + t[1:],  # first value character
        lambda t: t.split(".")[0],  # signature removed
        lambda t: t + "A",  # signature lengthened
        lambda t: t.split(".")[0] + ".",  # empty signature
        lambda t: "." + t.split(".")[1],  # empty value
        lambda t: "x." + t,  # value with a dot
        lambda t: "",
    ],
)
def test_verify_refuses_altered_tokens(mangle: Callable[[str], str]) -> None:
    signer = LinkSigner(SECRET)
    token = signer.sign("abc_DEF-123")
    assert signer.verify(mangle(token)) is None


def test_another_key_does_not_verify() -> None:
    token = LinkSigner(SECRET).sign("value")
    assert LinkSigner(b"t" * 32).verify(token) is None


@pytest.mark.parametrize("value", ["", "a.b"])
def test_sign_refuses_values_it_could_not_verify(value: str) -> None:
    with pytest.raises(ValueError):
        LinkSigner(SECRET).sign(value)


def test_short_secrets_are_refused() -> None:
    with pytest.raises(ConfigError, match="at least 16 bytes"):
        LinkSigner(b"short")


def test_from_settings_uses_the_secret_or_a_random_key() -> None:
    configured = SecuritySettings(link_secret=SecretStr("x" * 20))
    token = LinkSigner.from_settings(configured).sign("v")
    assert LinkSigner.from_settings(configured).verify(token) == "v"
    for unset in (SecuritySettings(), SecuritySettings(link_secret=SecretStr(""))):
        first, second = LinkSigner.from_settings(unset), LinkSigner.from_settings(unset)
        assert first.verify(first.sign("v")) == "v"
        assert second.verify(first.sign("v")) is None  # links die with a restart


def test_url_joins_the_base_without_double_slashes() -> None:
    signer = LinkSigner(SECRET)
    assert url("https://x.dk/beredskab/", signer, "tok") == (
        f"https://x.dk/beredskab/a/{signer.sign('tok')}"
    )


def _delivery(channel: ChannelKind, actions: str = "ack decline") -> Delivery:
    return Delivery(
        id=7,
        incident_id=1,
        person_id="sara-lund",
        channel=channel,
        address="sara@example.org",
        template="activation",
        subject="s",
        text="t",
        short_text="t",
        status=DeliveryStatus.QUEUED,
        attempts=0,
        next_attempt_at=NOW,
        lease_until=None,
        provider_id=None,
        error=None,
        created_at=NOW,
        updated_at=NOW,
        notification="n",
        policy="all",
        alternates="",
        fell_back=False,
        actions=actions,
        language="da",
    )


def _token(action: str, value: str) -> ActionToken:
    return ActionToken(
        token=value,
        delivery_id=7,
        incident_id=1,
        person_id="sara-lund",
        action=action,
        label=action,
        created_at=NOW,
        used_at=None,
    )


def test_email_messages_carry_the_signed_link_and_no_buttons() -> None:
    signer = LinkSigner(SECRET)
    _, message = message_for(
        _delivery(ChannelKind.EMAIL),
        [_token("ack", "rawtoken")],
        link_base="https://x.dk/",
        signer=signer,
    )
    assert message.link == f"https://x.dk/a/{signer.sign('rawtoken')}"
    assert message.buttons == ()


def test_telegram_buttons_keep_the_raw_token_and_get_no_link() -> None:
    tokens = [_token("ack", "t-ack"), _token("decline", "t-decline")]
    _, message = message_for(
        _delivery(ChannelKind.TELEGRAM), tokens, link_base="https://x.dk", signer=LinkSigner(SECRET)
    )
    assert [b.key for b in message.buttons] == ["t-ack", "t-decline"]
    assert message.link is None


@pytest.mark.parametrize(
    ("tokens", "base", "signed"),
    [
        ([], "https://x.dk", True),
        ([_token("ack", "t")], None, True),
        ([_token("ack", "t")], "https://x.dk", False),
    ],
)
def test_no_link_without_an_ack_token_or_link_settings(
    tokens: list[ActionToken], base: str | None, signed: bool
) -> None:
    _, message = message_for(
        _delivery(ChannelKind.EMAIL, actions=""),
        tokens,
        link_base=base,
        signer=LinkSigner(SECRET) if signed else None,
    )
    assert message.link is None
