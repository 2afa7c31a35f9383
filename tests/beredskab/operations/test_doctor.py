"""`doctor`'s checks against real peers: Prism for Twilio, aiosmtpd for SMTP, the local Bot
API for Telegram, SQLite and PostgreSQL; a passing and a failing case each. The whole command
against a running `serve` is in tests/e2e/test_operations_cli.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from beredskab.operations import doctor, providers
from beredskab.operations.checks import Check, Context
from beredskab.runtime.database import open_database
from beredskab.settings import Settings, load_settings
from tests.peers.smtp import PASSWORD, USERNAME, SmtpPeer
from tests.peers.telegram_api import FakeBotApi
from tests.peers.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, PrismServer
from tests.postgres import free_port


def configure(root: Path, text: str = "") -> Path:
    """A config file in ``root`` with the data folder beside it, plus ``text``."""
    path = root / "config.toml"
    path.write_text(f'[service]\ndata_dir = "var"\n{text}', encoding="utf-8")
    return path


async def checks(path: Path, *, seconds: float = 5.0) -> dict[str, Check]:
    report = await doctor.run(
        lambda: load_settings(path), source=str(path), language="en", seconds=seconds
    )
    assert [c.name for c in report.checks] == list(doctor.NAMES)
    return {c.name: c for c in report.checks}


def context(path: Path, *, timeout: float = 5.0) -> Context:
    return Context(load_settings(path), "en", timeout, str(path))


async def test_a_fresh_install_is_told_what_is_missing(tmp_path: Path) -> None:
    port = free_port()
    found = await checks(configure(tmp_path, f"[web]\nport = {port}\n"))

    assert found["config"].status == "pass"
    assert found["secrets"].status == "pass"
    assert found["database"].status == "fail"
    assert "no database at" in found["database"].detail
    assert "beredskab db upgrade" in found["database"].fix
    assert not (tmp_path / "var" / "beredskab.sqlite3").exists()  # the check made none
    assert found["keys"].status == "warn"
    assert "not generated yet" in found["keys"].detail
    assert found["plan"].status in ("pass", "warn")
    assert "(the fictional example)" in found["plan"].detail
    for name in ("twilio", "smtp", "telegram"):
        assert found[name].status == "warn"
        assert "console file" in found[name].detail
    assert found["public_url"].status == "fail"
    assert f"http://127.0.0.1:{port}" in found["public_url"].detail
    assert "beredskab serve" in found["public_url"].fix


async def test_the_database_passes_only_at_head(tmp_path: Path, db_url: str) -> None:
    path = configure(tmp_path, f'[database]\nurl = "{db_url}"\n')
    before = (await checks(path))["database"]
    assert before.status == "fail"
    assert "beredskab db upgrade" in before.fix

    db = open_database(load_settings(path))
    try:
        await db.upgrade()
    finally:
        await db.dispose()
    after = await checks(path)

    kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    assert after["database"].status == "pass"
    assert after["database"].detail.startswith(f"{kind}, migrations at head")
    assert "log: generated in" in after["keys"].detail  # open_database made the log key
    if kind == "postgresql":  # another host sharing the database would not have the files
        assert after["keys"].status == "warn"
        assert "another host can share the database" in after["keys"].fix
        assert "[security] log_key" in after["keys"].fix
    else:
        assert "back up" in after["keys"].fix


async def test_configured_keys_on_postgresql_pass(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://beredskab@127.0.0.1:{free_port()}/beredskab"
    secrets = "[security]\n" + f'link_secret = "{"l" * 40}"\nlog_key = "{"k" * 40}"\n'
    path = configure(tmp_path, f'[database]\nurl = "{url}"\n{secrets}')
    found = await doctor.keys(context(path))
    assert found.status == "pass"
    assert found.detail == "link: configured; log: configured"


async def test_an_unreachable_database_fails_within_the_time(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://beredskab@127.0.0.1:{free_port()}/beredskab"
    found = await checks(configure(tmp_path, f'[database]\nurl = "{url}"\n'), seconds=3.0)
    assert found["database"].status == "fail"
    assert "postgresql does not answer" in found["database"].detail
    assert "[database] url" in found["database"].fix


async def test_a_config_that_does_not_load_fails_and_nothing_else_is_tried(
    tmp_path: Path,
) -> None:
    found = await checks(configure(tmp_path, "[web\nport = 1\n"))
    assert found["config"].status == "fail"
    assert "not valid TOML" in found["config"].detail
    assert {c.status for name, c in found.items() if name != "config"} == {"fail"}
    assert "not checked" in found["database"].detail


@pytest.mark.parametrize(
    ("section", "config_fails", "detail", "fix"),
    [
        (  # an SMTP login without its password (the 101-line traceback of issue 13)
            f'[smtp]\nhost = "127.0.0.1"\nport = {free_port()}\nfrom_address = "b@example.org"'
            '\nusername = "b"\n',
            True,
            "username and password go together",
            "BEREDSKAB_SMTP__PASSWORD",
        ),
        (  # a half-configured provider no longer loads (settings name what is missing)
            f'[twilio]\naccount_sid = "{ACCOUNT_SID}"\n',
            True,
            "[twilio]: auth_token is missing",
            "BEREDSKAB_TWILIO__AUTH_TOKEN",
        ),
        (
            f'[telegram]\nbot_token = "1:x"\nmode = "webhook"\n'
            f'api_base_url = "http://127.0.0.1:{free_port()}"\n',  # never api.telegram.org
            False,
            'mode = "webhook" without webhook_secret',
            "BEREDSKAB_TELEGRAM__WEBHOOK_SECRET",
        ),
    ],
)
async def test_missing_secrets_fail_with_the_setting_to_set(
    tmp_path: Path, section: str, config_fails: bool, detail: str, fix: str
) -> None:
    found = await checks(configure(tmp_path, section), seconds=2.0)
    assert found["secrets"].status == "fail"
    if config_fails:  # the settings refuse it: the config check names the setting to set
        assert found["config"].status == "fail"
        assert detail in found["config"].detail and fix in found["config"].detail
        assert found["secrets"].detail.startswith("not checked")
    else:
        assert found["config"].status == "pass"
        assert detail in found["secrets"].detail
        assert fix in found["secrets"].fix


def _twilio(url: str) -> str:
    return (
        f'[twilio]\naccount_sid = "{ACCOUNT_SID}"\nauth_token = "{AUTH_TOKEN}"\n'
        f'from_number = "{FROM_NUMBER}"\napi_base_url = "{url}"\n'
    )


async def test_twilio_account_is_fetched(tmp_path: Path, prism: PrismServer) -> None:
    check = await providers.twilio(context(configure(tmp_path, _twilio(prism.base_url))))
    assert check == Check("twilio", "pass", "friendly_name (active)")


async def test_twilio_elsewhere_fails_with_the_fix(
    tmp_path: Path, fake_bot_api: FakeBotApi
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    down = await providers.twilio(context(configure(tmp_path, _twilio(closed))))
    assert down.status == "fail"
    assert "Twilio unreachable" in down.detail
    assert "[twilio] api_base_url" in down.fix

    wrong = await providers.twilio(context(configure(tmp_path, _twilio(fake_bot_api.base_url))))
    assert wrong.status == "fail"  # something answers, but not Twilio: a 404
    assert "Twilio 404" in wrong.detail
    assert "BEREDSKAB_TWILIO__AUTH_TOKEN" in wrong.fix


def _smtp(peer: SmtpPeer, root: Path, password: str, port: int | None = None) -> str:
    return (
        f'[smtp]\nhost = "127.0.0.1"\nport = {port or peer.port}\nusername = "{USERNAME}"\n'
        f'password = "{password}"\nfrom_address = "beredskab@example.org"\n'
        f'ca_file = "{peer.write_ca(root)}"\n'
    )


async def test_smtp_login_passes_with_the_right_password_and_fails_with_a_wrong_one(
    tmp_path: Path, smtp_peer: SmtpPeer
) -> None:
    good = await providers.smtp(context(configure(tmp_path, _smtp(smtp_peer, tmp_path, PASSWORD))))
    assert good == Check("smtp", "pass", f"127.0.0.1:{smtp_peer.port} starttls as {USERNAME}")

    bad = await providers.smtp(context(configure(tmp_path, _smtp(smtp_peer, tmp_path, "forkert"))))
    assert bad.status == "fail"
    assert "SMTP login refused" in bad.detail
    assert "BEREDSKAB_SMTP__PASSWORD" in bad.fix


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """A TCP server that accepts and never says a word (a hanging provider)."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_hanging_smtp_server_fails_within_the_time(
    tmp_path: Path, smtp_peer: SmtpPeer, silent_server: int
) -> None:
    path = configure(tmp_path, _smtp(smtp_peer, tmp_path, PASSWORD, port=silent_server))
    found = await checks(path, seconds=1.0)
    assert found["smtp"].status == "fail"
    assert "did not answer within 1 s" in found["smtp"].detail


def _telegram(api: FakeBotApi, token: str) -> str:
    return f'[telegram]\nbot_token = "{token}"\napi_base_url = "{api.base_url}"\n'


async def test_telegram_get_me_passes_with_the_token_and_fails_with_another(
    tmp_path: Path, fake_bot_api: FakeBotApi
) -> None:
    api = fake_bot_api
    good = await providers.telegram(context(configure(tmp_path, _telegram(api, api.token))))
    assert good == Check("telegram", "pass", f"@{api.username}")
    assert any(call.method == "getme" for call in api.calls)

    wrong = "424242:AAF-someone-elses-token-0123456789ab"
    bad = await providers.telegram(context(configure(tmp_path, _telegram(api, wrong))))
    assert bad.status == "fail"
    assert "Telegram refused the bot token" in bad.detail
    assert "BEREDSKAB_TELEGRAM__BOT_TOKEN" in bad.fix


@pytest.fixture
async def health_server() -> AsyncIterator[tuple[str, dict[str, object]]]:
    """An HTTP server whose /healthz answers what the test puts in the dict (empty: 404)."""
    answer: dict[str, object] = {}

    async def healthz(_request: web.Request) -> web.Response:
        if not answer:
            return web.Response(status=404, text="<html>nothing here</html>")
        return web.json_response(answer)

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", answer
    finally:
        await runner.cleanup()


async def test_a_public_url_that_reaches_another_service_fails(
    tmp_path: Path, health_server: tuple[str, dict[str, object]]
) -> None:
    url, answer = health_server
    path = configure(tmp_path, f'public_base_url = "{url}"\n')
    settings: Settings = load_settings(path)
    db = open_database(settings)  # makes this data folder's log key, as serve would
    await db.dispose()

    not_ours = await doctor.public_url(context(path))
    assert not_ours.status == "fail"
    assert "HTTP 404, not beredskab" in not_ours.detail
    assert "public_base_url" in not_ours.fix

    answer.update(status="ok", service_id="0" * 24)  # another installation
    other = await doctor.public_url(context(path))
    assert other.status == "fail"
    assert "another beredskab installation" in other.detail

    expected = doctor.expected_id(settings)
    assert expected is not None
    answer.update(service_id=expected)
    assert (await doctor.public_url(context(path))).status == "pass"
