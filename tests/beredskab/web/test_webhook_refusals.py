"""Refused webhooks are audited on both databases, counted per source and minute, never a 500."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from beredskab.app import App
from beredskab.models import AuditEntry
from beredskab.settings import load_settings
from beredskab.web import create_app
from tests.beredskab.web.test_webhooks import BASE, SMS, TOKEN
from tests.conftest import TestClock

FUZZER = ("203.0.113.66", 40000)


@pytest.fixture
async def service(
    tmp_path: Path, db_url: str, clock: TestClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[App]:
    monkeypatch.setenv("BEREDSKAB_TWILIO__AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("BEREDSKAB_TELEGRAM__WEBHOOK_SECRET", "s3cret-token")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[service]\ndata_dir = "var"\npublic_base_url = "{BASE}"\n[database]\nurl = "{db_url}"\n',
        encoding="utf-8",
    )
    app = App.build(load_settings(config), clock=clock)
    await app.start()
    yield app
    await app.aclose()


def _client(app: App, client: tuple[str, int] = FUZZER) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(app), client=client)
    return httpx.AsyncClient(transport=transport, base_url=BASE)


async def _refused(app: App, action: str) -> list[AuditEntry]:
    async with app.db.transaction() as tx:
        return [a for a in await tx.audit.list(limit=1000) if a.action == action]


async def _inbox(app: App) -> int:
    async with app.db.transaction() as tx:
        return len(await tx.inbox.pending(limit=100))


FROMS = [
    "+4520100001",
    "+45\x0020100001",  # NUL
    "+45" + "9" * 497,  # 500 characters
    "\x1b[2J\u202e" + "x" * 80,
    "",
]


async def test_unsigned_sms_with_any_from_is_a_403_counted_in_one_row_per_minute(
    service: App, clock: TestClock
) -> None:
    async with _client(service) as client:
        for n in range(40):
            params = {**SMS, "From": FROMS[n % len(FROMS)], "MessageSid": f"SM{n:032d}"}
            response = await client.post("/webhooks/twilio/sms", data=params)
            assert response.status_code == 403, (params["From"], response.text)
        clock.advance(minutes=1)
        for _ in range(3):
            assert (await client.post("/webhooks/twilio/status", data=SMS)).status_code == 403
    refused = await _refused(service, "webhook.twilio")
    assert [(a.actor, a.count, a.allowed) for a in refused] == [
        (FUZZER[0], 40, False),
        (FUZZER[0], 3, False),
    ]
    assert "/webhooks/twilio/sms" in refused[0].detail and "\x00" not in refused[0].detail
    assert await _inbox(service) == 0


@pytest.mark.parametrize("secret", [None, "wrong", "s3cret-token\x00"])
async def test_telegram_webhook_403s_are_audited_and_counted(
    service: App, secret: str | None
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    update = json.dumps({"update_id": 7, "message": {"text": "/hjaelp"}})
    async with _client(service) as client:
        for _ in range(12):
            response = await client.post("/webhooks/telegram", content=update, headers=headers)
            assert response.status_code == 403
    refused = await _refused(service, "webhook.telegram")
    assert [(a.actor, a.channel, a.count, a.allowed) for a in refused] == [
        (FUZZER[0], "telegram", 12, False)
    ]
    assert await _inbox(service) == 0
