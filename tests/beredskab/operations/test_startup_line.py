"""`serve` prints one line once it is ready: where it listens, the public URL, each channel's
provider, the plan version, the database kind and the generated keys, and no secret.

Each test starts the real `beredskab serve` in a subprocess and waits for the line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from beredskab.plan import Plan
from tests.e2e.service import service_env, until_ready, write_config
from tests.peers.smtp import PASSWORD, SmtpPeer
from tests.peers.telegram_api import FakeBotApi
from tests.peers.twilio import AUTH_TOKEN, PrismServer
from tests.postgres import free_port


async def startup_line(root: Path, config: Path, env: dict[str, str]) -> str:
    """Start `serve`, return its startup line, stop it (it must exit 0)."""
    argv = [sys.executable, "-m", "beredskab", "--lang", "en", "--config", str(config), "serve"]
    line, _ = await until_ready(argv, root, env)
    return line


async def test_the_line_shows_the_port_the_url_derived_from_it_and_the_generated_keys(
    tmp_path: Path, plan: Plan
) -> None:
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text('[service]\ndata_dir = "var"\n', encoding="utf-8")
    env = {**service_env(), "BEREDSKAB_WEB__PORT": str(port)}
    for name in ("TWILIO__AUTH_TOKEN", "SMTP__PASSWORD", "SECURITY__LINK_SECRET"):
        env.pop(f"BEREDSKAB_{name}")

    line = await startup_line(tmp_path, config, env)

    assert line == (
        f"beredskab ready: listening on 127.0.0.1:{port} · public URL http://127.0.0.1:{port}"
        " · channels: sms=console, email=console, telegram=console, voice=console"
        f" · plan {plan.version} · database sqlite · generated keys: link, log"
    )
    assert (tmp_path / "var" / "keys" / "link.key").exists()  # the keys the line names


async def test_the_line_names_the_providers_and_the_database_and_shows_no_secret(
    tmp_path: Path,
    db_url: str,
    prism: PrismServer,
    smtp_peer: SmtpPeer,
    fake_bot_api: FakeBotApi,
) -> None:
    port = free_port()
    config = write_config(
        tmp_path,
        port=port,
        twilio_url=prism.base_url,
        smtp=smtp_peer,
        telegram_url=fake_bot_api.base_url,
    )
    env = service_env(bot_token=fake_bot_api.token)
    env["BEREDSKAB_DATABASE__URL"] = db_url
    if db_url.startswith("postgresql"):
        env["BEREDSKAB_DATABASE__PASSWORD"] = "database-secret-4242"  # trust auth ignores it
    env["BEREDSKAB_SECURITY__LOG_KEY"] = "log-key-secret-0123456789abcdef-0123"

    line = await startup_line(tmp_path, config, env)

    kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    assert f"listening on 127.0.0.1:{port} · public URL http://127.0.0.1:{port}" in line
    assert "channels: sms=twilio, email=smtp, telegram=telegram (polling), voice=twilio" in line
    assert f"· database {kind} · generated keys: none" in line
    secrets = [
        AUTH_TOKEN,
        PASSWORD,
        fake_bot_api.token,
        env["BEREDSKAB_SECURITY__LINK_SECRET"],
        env["BEREDSKAB_SECURITY__LOG_KEY"],
        "database-secret-4242",
        db_url,
    ]
    assert [s for s in secrets if s in line] == []


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://beredskab.example.org", "https://beredskab.example.org"),
        (
            "https://user:hemmelig@beredskab.example.org:8443/x",
            "https://beredskab.example.org:8443/x",
        ),
        ("http://u:p@[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_a_url_is_shown_without_credentials(url: str, shown: str) -> None:
    from beredskab.operations.startup_line import without_credentials

    assert without_credentials(url) == shown
