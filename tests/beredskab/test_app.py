"""The composition root: channels from settings, refusing the example directory when live."""

from __future__ import annotations

from pathlib import Path

import pytest

from beredskab.app import App
from beredskab.delivery.pacing import PaceLimits, Pacer
from beredskab.delivery.pacing import from_settings as pacing
from beredskab.errors import ConfigError
from beredskab.runtime.channels import build_channels, live_providers
from beredskab.settings import load_settings
from notifier.channels.console import ConsoleChannel
from notifier.types import ChannelKind


def _config(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[service]\ndata_dir = "var"\n{extra}', encoding="utf-8")
    return path


def test_embedded_default_is_console_only(tmp_path: Path) -> None:
    settings = load_settings(_config(tmp_path, ""))
    channels, live = build_channels(settings), live_providers(settings)
    assert not live
    assert all(isinstance(c, ConsoleChannel) for c in channels.values())
    assert pacing(settings) == {}


LIVE = """
[twilio]
account_sid = "AC5ef872f6da5a21de157d80997a64bd33"
auth_token = "secret"
from_number = "+4570201234"
rate_per_second = 3
[smtp]
host = "127.0.0.1"
from_address = "beredskab@example.org"
connections = 3
[telegram]
bot_token = "424242:AAF-test"
"""


async def test_example_directory_is_refused_with_live_providers(tmp_path: Path) -> None:
    settings = load_settings(_config(tmp_path, LIVE))
    app = App.build(settings)  # checked at start, once the directory in use is known
    try:
        with pytest.raises(ConfigError, match="fictional example directory"):
            await app.start()
    finally:
        await app.aclose()


async def test_live_providers_replace_the_console(tmp_path: Path) -> None:
    settings = load_settings(_config(tmp_path, LIVE))
    channels, live = build_channels(settings), live_providers(settings)
    try:
        assert live
        assert channels[ChannelKind.SMS].name == "twilio-sms"
        assert channels[ChannelKind.VOICE].name == "twilio-voice"
        assert channels[ChannelKind.EMAIL].name == "pool"
        assert channels[ChannelKind.TELEGRAM].name == "telegram"
        limits = pacing(settings)
        assert limits[ChannelKind.SMS] == PaceLimits(rate_per_second=3, concurrency=4)
        assert limits[ChannelKind.EMAIL].concurrency == 3
        assert limits[ChannelKind.TELEGRAM] == PaceLimits(
            rate_per_second=30, per_address_per_second=1, concurrency=18
        )
    finally:
        for channel in {id(c): c for c in channels.values()}.values():
            await channel.aclose()


def test_secrets_from_the_environment_are_not_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEREDSKAB_TWILIO__AUTH_TOKEN", "from-env-secret")
    settings = load_settings(
        _config(tmp_path, f'[twilio]\naccount_sid = "AC{"1" * 32}"\nfrom_number = "+4570201234"\n')
    )
    assert settings.twilio.enabled
    assert settings.twilio.auth_token is not None
    assert settings.twilio.auth_token.get_secret_value() == "from-env-secret"
    assert "from-env-secret" not in repr(settings)


@pytest.mark.parametrize(
    ("limits", "lease", "batch", "expected"),
    [
        (PaceLimits(), 60, 20, 20),
        (PaceLimits(rate_per_second=1), 60, 50, 30),
        (PaceLimits(rate_per_second=0.01), 60, 50, 1),
    ],
)
def test_claims_never_outlast_the_lease(
    limits: PaceLimits, lease: float, batch: int, expected: int
) -> None:
    assert Pacer(limits).claim_limit(lease_seconds=lease, batch_size=batch) == expected


async def test_voice_without_a_caller_number_fails_plainly(tmp_path: Path) -> None:
    from notifier.errors import PermanentDeliveryError
    from notifier.types import Message, Recipient

    live = LIVE.replace(
        'from_number = "+4570201234"',
        'messaging_service_sid = "MG9b1e5c3a7d2f4e6081a3c5e7f9b2d4c6"',
    )
    channels = build_channels(load_settings(_config(tmp_path, live)))
    try:
        voice = channels[ChannelKind.VOICE]
        assert voice.name == "unavailable"
        with pytest.raises(PermanentDeliveryError, match="from_number"):
            await voice.send(
                Recipient("p", ChannelKind.VOICE, "+4520100001"),
                Message(key="k", subject="", text="t", short_text="t"),
            )
    finally:
        for channel in {id(c): c for c in channels.values()}.values():
            await channel.aclose()


async def test_a_changed_plan_is_ranked_before_anyone_activates(tmp_path: Path) -> None:
    """The asking order of every playbook is ranked when the plan changes (a reload, a new
    directory revision), not inside the first activation's transaction."""
    from beredskab.incident import asking

    app = App.build(load_settings(_config(tmp_path, "")), send=False)
    try:
        await app.start()
        assert len(asking._ORDERS[app.plan.directory]) == 2  # at start
        assert app.reload_plan() == []
        assert len(asking._ORDERS[app.plan.directory]) == 2  # the reloaded directory's
    finally:
        await app.aclose()
