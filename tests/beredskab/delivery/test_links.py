"""LinkSigner and the link the outbox puts into email messages."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from beredskab.boundary import keyring as key_files
from beredskab.boundary.action_tokens import ActionRef, Use
from beredskab.boundary.keys import Keyring, KeyStore, PreviousKey
from beredskab.delivery import links
from beredskab.delivery.links import LinkSigner, url
from beredskab.delivery.outbox import message_for
from beredskab.delivery.outbox.messages import stored_token_rows
from beredskab.errors import ConfigError
from beredskab.models import ActionToken, Delivery
from beredskab.security import signin
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


def test_from_settings_uses_the_secret_or_one_stored_key(tmp_path: Path) -> None:
    configured = SecuritySettings(link_secret=SecretStr("x" * 20))
    token = LinkSigner.from_settings(configured, data_dir=tmp_path).sign("v")
    assert LinkSigner.from_settings(configured, data_dir=tmp_path / "other").verify(token) == "v"
    assert not (tmp_path / "keys").exists()  # a configured secret wins: nothing generated
    for unset in (SecuritySettings(), SecuritySettings(link_secret=SecretStr(""))):
        # Every process on one data folder (serve, each CLI command) uses the same key.
        first = LinkSigner.from_settings(unset, data_dir=tmp_path)
        second = LinkSigner.from_settings(unset, data_dir=tmp_path)
        assert second.verify(first.sign("v")) == "v"
        assert second.actions.verify(Use.BUTTON, first.actions.token(Use.BUTTON, 5, "ack"))
        elsewhere = LinkSigner.from_settings(unset, data_dir=tmp_path / "other")
        assert elsewhere.verify(first.sign("v")) is None
    key = tmp_path / "keys" / "link.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert LinkSigner.from_settings(configured, data_dir=tmp_path).verify(first.sign("v")) is None


def test_from_settings_refuses_a_short_secret(tmp_path: Path) -> None:
    short = SecuritySettings(link_secret=SecretStr("x" * 15))
    with pytest.raises(ConfigError, match="too short"):
        LinkSigner.from_settings(short, data_dir=tmp_path)


def test_a_generated_key_is_announced_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="beredskab.boundary.keys"):
        LinkSigner.from_settings(SecuritySettings(), data_dir=tmp_path)
        LinkSigner.from_settings(SecuritySettings(), data_dir=tmp_path)
    [warning] = [r.getMessage() for r in caplog.records]
    assert "[security] link_secret is not set" in warning
    assert str(tmp_path / "keys" / "link.key") in warning


def test_derived_tokens_name_the_delivery_and_action_within_telegrams_limit() -> None:
    keys = LinkSigner(SECRET).actions
    for use in Use:
        for action in ("ack", "decline"):
            token = keys.token(use, 123456789012, action)
            assert len(token.encode()) <= 64 and token.startswith("123456789012.")
            assert keys.verify(use, token) == ActionRef(123456789012, action)
    assert keys.token(Use.BUTTON, 7, "ack") != keys.token(Use.BUTTON, 7, "decline")
    # A button is no link, and neither is any other value the link secret signs.
    assert keys.verify(Use.LINK, keys.token(Use.BUTTON, 7, "ack")) is None
    plain = hmac.new(SECRET, b"7.a", hashlib.sha256).digest()[:16]  # the secret itself
    assert (
        keys.verify(Use.LINK, "7.a." + base64.urlsafe_b64encode(plain).rstrip(b"=").decode())
        is None
    )


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # last mac character
        lambda t: "8" + t[1:],  # another delivery
        lambda t: t.replace(".a.", ".d."),  # another action
        lambda t: t.replace(".a.", ".x."),  # no such action
        lambda t: "0" + t,  # leading zero
        lambda t: t[:-2],  # cut off
        lambda t: t + "A",  # lengthened
        lambda t: t.split(".", 1)[1],  # no delivery
        lambda t: t.rpartition(".")[0] + ".",  # no mac
        lambda t: "١" + t,  # a non-ASCII digit
        lambda t: "",
    ],
)
def test_altered_derived_tokens_are_refused(mangle: Callable[[str], str]) -> None:
    keys = LinkSigner(SECRET).actions
    token = keys.token(Use.BUTTON, 7, "ack")
    assert keys.verify(Use.BUTTON, mangle(token)) is None
    assert LinkSigner(b"t" * 32).actions.verify(Use.BUTTON, token) is None


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
        incident_id=None,
        person_id="sara-lund",
        action=action,
        label=action.title(),
        created_at=NOW,
        used_at=None,
    )


def test_email_rows_get_the_derived_link_and_no_buttons() -> None:
    signer = LinkSigner(SECRET)
    _, message = message_for(_delivery(ChannelKind.EMAIL), link_base="https://x.dk/", signer=signer)
    assert message.link == f"https://x.dk/a/{signer.actions.token(Use.LINK, 7, 'ack')}"
    assert message.buttons == ()


def test_telegram_rows_get_derived_buttons_and_no_link() -> None:
    signer = LinkSigner(SECRET)
    _, message = message_for(
        _delivery(ChannelKind.TELEGRAM), link_base="https://x.dk", signer=signer
    )
    assert [(b.label, b.key) for b in message.buttons] == [
        ("Modtaget", signer.actions.token(Use.BUTTON, 7, "ack")),
        ("Kan ikke", signer.actions.token(Use.BUTTON, 7, "decline")),
    ]
    assert message.link is None


def test_rows_without_actions_keep_their_stored_buttons() -> None:
    # Preparedness requests: no incident, no actions, a stored token per Telegram button.
    stored = [_token("signoff:3", "t-signoff")]
    row = _delivery(ChannelKind.TELEGRAM, actions="").model_copy(update={"incident_id": None})
    _, message = message_for(row, stored, signer=LinkSigner(SECRET))
    assert [(b.label, b.key) for b in message.buttons] == [("Signoff:3", "t-signoff")]
    assert stored_token_rows([row, _delivery(ChannelKind.TELEGRAM)]) == [7]
    assert stored_token_rows([_delivery(ChannelKind.TELEGRAM, actions="")]) == []  # incident


@pytest.mark.parametrize(
    ("actions", "base", "signed"),
    [
        ("", "https://x.dk", True),
        ("decline", "https://x.dk", True),
        ("ack decline", None, True),
        ("ack decline", "https://x.dk", False),
    ],
)
def test_no_link_without_ack_or_link_settings(actions: str, base: str | None, signed: bool) -> None:
    _, message = message_for(
        _delivery(ChannelKind.EMAIL, actions),
        link_base=base,
        signer=LinkSigner(SECRET) if signed else None,
    )
    assert message.link is None


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


OLD, NEW = b"o" * 32, b"n" * 32


def test_after_a_rotation_old_tokens_verify_until_the_old_key_retires() -> None:
    clock = _Clock(NOW)
    before = LinkSigner(OLD)
    signed, button = before.sign("v"), before.actions.token(Use.BUTTON, 7, "ack")
    link = before.actions.token(Use.LINK, 7, "ack")
    ring = Keyring(NEW, (PreviousKey(OLD, NOW + timedelta(hours=24)),))
    after = LinkSigner(ring, clock=clock)
    assert after.sign("v") == LinkSigner(NEW).sign("v") != signed  # signs with the new key
    assert after.verify(signed) == "v" and after.check(signed) == ("v", False)
    assert after.actions.verify(Use.BUTTON, button) == ActionRef(7, "ack")
    assert links.verified(after, link) == ActionRef(7, "ack")
    clock.now = NOW + timedelta(hours=24)  # retired: refused, and said to be retired
    assert after.verify(signed) is None and after.check(signed) == (None, True)
    assert after.actions.check(Use.BUTTON, button) == (None, True)
    with pytest.raises(links.LinkError) as refused:
        links.verified(after, link)
    assert refused.value.problem is links.Problem.RETIRED
    with pytest.raises(links.LinkError) as altered:  # a forgery is still just invalid
        links.verified(after, link[:-2] + ("AA" if not link.endswith("AA") else "BB"))
    assert altered.value.problem is links.Problem.INVALID
    assert after.check("v.forged") == (None, False)


def test_a_sign_in_code_sent_before_a_rotation_still_matches() -> None:
    clock = _Clock(NOW)
    stored = signin.code_hash(LinkSigner(OLD), "salt", "123456")
    after = LinkSigner(Keyring(NEW, (PreviousKey(OLD, NOW + timedelta(hours=1)),)), clock=clock)
    assert signin.matches(after, stored, "123456")
    assert not signin.matches(after, stored, "654321")
    assert signin.matches(after, signin.code_hash(after, "salt", "123456"), "123456")
    clock.now = NOW + timedelta(hours=1)
    assert not signin.matches(after, stored, "123456")


def test_from_settings_accepts_the_configured_previous_secret_until_its_time(
    tmp_path: Path,
) -> None:
    clock = _Clock(NOW)
    old = LinkSigner.from_settings(
        SecuritySettings(link_secret=SecretStr("o" * 20)), data_dir=tmp_path
    )
    rotated = SecuritySettings(
        link_secret=SecretStr("n" * 20),
        link_secret_previous=SecretStr("o" * 20),
        link_secret_previous_until=NOW + timedelta(hours=2),
    )
    new = LinkSigner.from_settings(rotated, data_dir=tmp_path, clock=clock)
    assert new.verify(old.sign("v")) == "v"
    clock.now = NOW + timedelta(hours=2)
    assert new.check(old.sign("v")) == (None, True)


def test_a_stored_key_rotated_by_another_process_is_used_for_signing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer = LinkSigner.from_settings(SecuritySettings(), data_dir=tmp_path)
    old = signer.sign("v")
    now = datetime.now(UTC)  # the signer retires keys by the wall clock
    rotated = KeyStore(tmp_path / "keys").rotate("link", keep=timedelta(hours=24), now=now)
    monkeypatch.setattr(key_files, "RELOAD_SECONDS", 0.0)  # look at the file at every use
    assert signer.sign("v") == LinkSigner(rotated.secret).sign("v") != old
    assert signer.verify(old) == "v"  # the previous key is still accepted
