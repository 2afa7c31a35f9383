"""Webhooks: Twilio signatures fail closed, replays change nothing, bodies are capped,
Telegram's secret header is required."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from beredskab.app import App
from beredskab.settings import Settings, load_settings
from beredskab.web import create_app

TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
OLD_TOKEN = "11112222333344445555666677778888"
BASE = "https://beredskab.example.org"


def _settings(tmp_path: Path, extra: str = "") -> Settings:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[service]\ndata_dir = "var"\npublic_base_url = "{BASE}"\n'
        f"[web]\nmax_body_bytes = 2048\n{extra}",
        encoding="utf-8",
    )
    return load_settings(config)


@pytest.fixture
async def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[App]:
    monkeypatch.setenv("BEREDSKAB_TWILIO__AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("BEREDSKAB_TWILIO__SECONDARY_AUTH_TOKEN", OLD_TOKEN)
    monkeypatch.setenv("BEREDSKAB_TELEGRAM__WEBHOOK_SECRET", "s3cret-token")
    app = App.build(_settings(tmp_path))
    await app.start()
    yield app
    await app.aclose()


def _client(app: App) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(app)), base_url=BASE)


def _signed(path: str, params: dict[str, str], token: str = TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(BASE + path, params)}


SMS = {"MessageSid": "SM" + "a" * 32, "From": "+4520100001", "To": "+4570201234", "Body": "HJÆLP"}


async def _inbox(app: App) -> list[tuple[str, str]]:
    async with app.db.transaction() as tx:
        return [(e.source, e.provider_id) for e in await tx.inbox.pending(limit=100)]


async def test_signed_sms_is_stored_once_and_answered_with_twiml(service: App) -> None:
    async with _client(service) as client:
        first = await client.post(
            "/webhooks/twilio/sms", data=SMS, headers=_signed("/webhooks/twilio/sms", SMS)
        )
        replay = await client.post(
            "/webhooks/twilio/sms", data=SMS, headers=_signed("/webhooks/twilio/sms", SMS)
        )
    assert first.status_code == replay.status_code == 200
    assert first.headers["content-type"].startswith("text/xml") and "<Response/>" in first.text
    assert await _inbox(service) == [("twilio-sms", SMS["MessageSid"])]


async def test_rotated_token_is_still_accepted(service: App) -> None:
    async with _client(service) as client:
        response = await client.post(
            "/webhooks/twilio/sms",
            data=SMS,
            headers=_signed("/webhooks/twilio/sms", SMS, OLD_TOKEN),
        )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Twilio-Signature": "AAAA"},
        _signed("/webhooks/twilio/sms", {**SMS, "Body": "AKTIVER 2 1234"}),  # body changed
        _signed("/webhooks/twilio/status", SMS),  # signed for another URL
    ],
)
async def test_unsigned_or_forged_twilio_requests_are_refused(
    service: App, headers: dict[str, str]
) -> None:
    async with _client(service) as client:
        response = await client.post("/webhooks/twilio/sms", data=SMS, headers=headers)
    assert response.status_code == 403
    assert await _inbox(service) == []
    async with service.db.transaction() as tx:
        refused = [a for a in await tx.audit.list() if a.action == "webhook.twilio"]
    assert refused and not refused[0].allowed


async def test_without_a_configured_token_every_twilio_request_is_refused(tmp_path: Path) -> None:
    app = App.build(_settings(tmp_path))
    await app.start()
    try:
        async with _client(app) as client:
            response = await client.post(
                "/webhooks/twilio/sms", data=SMS, headers=_signed("/webhooks/twilio/sms", SMS)
            )
        assert response.status_code == 403
    finally:
        await app.aclose()


async def test_status_callbacks_are_deduplicated_per_status(service: App) -> None:
    path = "/webhooks/twilio/status?delivery=delivery-7"
    events = [
        {"MessageSid": "SM" + "b" * 32, "MessageStatus": status}
        for status in ("sent", "delivered", "delivered")
    ]
    async with _client(service) as client:
        for params in events:
            response = await client.post(path, data=params, headers=_signed(path, params))
            assert response.status_code == 200
    assert await _inbox(service) == [
        ("twilio-status", f"SM{'b' * 32}:sent"),
        ("twilio-status", f"SM{'b' * 32}:delivered"),
    ]


async def test_large_bodies_are_refused(service: App) -> None:
    params = {**SMS, "Body": "x" * 5000}
    async with _client(service) as client:
        response = await client.post(
            "/webhooks/twilio/sms", data=params, headers=_signed("/webhooks/twilio/sms", params)
        )
    assert response.status_code == 413
    assert await _inbox(service) == []


async def test_missing_message_sid_is_a_clear_400(service: App) -> None:
    params = {"From": "+4520100001", "Body": "OK"}
    async with _client(service) as client:
        response = await client.post(
            "/webhooks/twilio/sms", data=params, headers=_signed("/webhooks/twilio/sms", params)
        )
    assert response.status_code == 400 and "MessageSid" in response.text


@pytest.mark.parametrize(
    ("secret", "expected"), [(None, 403), ("wrong", 403), ("s3cret-token", 200)]
)
async def test_telegram_webhook_needs_the_secret(
    service: App, secret: str | None, expected: int
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    update = {
        "update_id": 42,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 1, "type": "private"},
            "text": "/hjaelp",
        },
    }
    async with _client(service) as client:
        response = await client.post(
            "/webhooks/telegram", content=json.dumps(update), headers=headers
        )
    assert response.status_code == expected
    assert await _inbox(service) == ([("telegram", "42")] if expected == 200 else [])


async def test_healthz_reports_each_component(service: App) -> None:
    async with _client(service) as client:
        response = await client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["database"]["state"] == "ok" and body["plan_version"] == service.plan.version
    assert body["queued_messages"] == 0 and body["inbox_pending"] == 0


@pytest.fixture
async def service_on(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[App]:
    """The service of ``service``, on SQLite and on PostgreSQL."""
    monkeypatch.setenv("BEREDSKAB_DATABASE__URL", db_url)
    monkeypatch.setenv("BEREDSKAB_TWILIO__AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("BEREDSKAB_TELEGRAM__WEBHOOK_SECRET", "s3cret-token")
    app = App.build(_settings(tmp_path))
    await app.start()
    yield app
    await app.aclose()


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/webhooks/twilio/sms", {"From": "+45" + "2" * 62}),
        ("/webhooks/twilio/sms", {"From": "+4520100001\x00"}),
        ("/webhooks/twilio/sms", {"Body": "LOG nul \x00 her"}),
        ("/webhooks/twilio/sms", {"MessageSid": "SM" + "a" * 127}),
        ("/webhooks/twilio/sms", {"x" * 65: "1"}),
        ("/webhooks/twilio/status", {"MessageStatus": "delivered", "MessageSid": "S" * 129}),
        ("/webhooks/twilio/voice/gather", {"CallSid": "CA" + "1" * 200, "Digits": "1"}),
    ],
)
async def test_signed_requests_with_values_twilio_never_sends_are_400_and_not_stored(
    service_on: App, path: str, fields: dict[str, str]
) -> None:
    params = {**SMS, **fields}
    async with _client(service_on) as client:
        answer = await client.post(path, data=params, headers=_signed(path, params))
    assert answer.status_code == 400 and answer.json()["detail"]
    assert await _inbox(service_on) == []


@pytest.mark.parametrize("sender", ["+45" + "2" * 62, "+4520100001\x00", "x" * 1500, "\x00" * 64])
async def test_unsigned_requests_with_hostile_senders_are_403_on_every_database(
    service_on: App, sender: str
) -> None:
    params = {**SMS, "From": sender}
    async with _client(service_on) as client:
        answer = await client.post("/webhooks/twilio/sms", data=params)
    assert answer.status_code == 403
    assert await _inbox(service_on) == []


@pytest.mark.parametrize(
    ("body", "stored"),
    [
        (b'{"update_id": 7}', True),
        (b'{"update_id": 9223372036854775808}', False),
        (b'{"update_id": -1}', False),
        (b'{"update_id": 7.0}', False),
        (b'{"update_id": "7"}', False),
        (b'{"update_id": true}', False),
        (b'{"update_id": Infinity}', False),
        (b'{"update_id": 8, "message": {"text": "nul \\u0000"}}', False),
        (b'{"update_id": 9, "message": {"text": "lone \\ud800"}}', False),
        (b"[" * 2000, False),  # deeper than the JSON parser recurses
        (b"[7]", False),
    ],
)
async def test_telegram_updates_out_of_bounds_are_400_and_not_stored(
    service_on: App, body: bytes, stored: bool
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
    async with _client(service_on) as client:
        answer = await client.post("/webhooks/telegram", content=body, headers=headers)
    assert answer.status_code == (200 if stored else 400)
    assert bool(await _inbox(service_on)) is stored
