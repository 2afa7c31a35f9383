"""`doctor` and `test-message` against a running `beredskab serve` and the real peers.

The service runs as a subprocess configured for Prism (Twilio), aiosmtpd and the local
Telegram Bot API; the commands run as the operator would run them, in their own processes.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from beredskab.models import Delivery
from tests.e2e.service import Service, components_ok, service_env, start_service, write_config
from tests.e2e.service import wait_for as _wait
from tests.peers.smtp import SmtpPeer
from tests.peers.telegram_api import FakeBotApi
from tests.peers.twilio import AUTH_TOKEN, PrismServer
from tests.postgres import free_port

OMAR = "omar-nielsen"  # phone and email, no Telegram chat
OMAR_PHONE, OMAR_EMAIL = "+4520100004", "omar-nielsen@example.org"


@pytest.fixture
async def service(
    tmp_path: Path, prism: PrismServer, smtp_peer: SmtpPeer, fake_bot_api: FakeBotApi
) -> AsyncIterator[Service]:
    config = write_config(
        tmp_path,
        port=free_port(),
        twilio_url=prism.base_url,
        smtp=smtp_peer,
        telegram_url=fake_bot_api.base_url,
    )
    env = service_env(bot_token=fake_bot_api.token)
    svc = await start_service(tmp_path, config, env, ready=lambda h: components_ok(h, "leader"))
    try:
        yield svc
    finally:
        await svc.stop()


def _command(
    service: Service, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "beredskab", "--lang", "en", "--config", str(service.config), *args],
        capture_output=True,
        text=True,
        env=env or service.env,
        cwd=service.root,
        timeout=120,
    )


async def command(
    service: Service, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """A CLI command in a thread: the peers in this event loop keep serving meanwhile."""
    return await asyncio.to_thread(_command, service, *args, env=env)


@pytest.mark.timeout(180)
async def test_doctor_passes_against_the_running_service_and_fails_on_a_wrong_public_url(
    service: Service,
) -> None:
    done = await command(service, "doctor", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert report["ok"] is True
    for name in ("config", "secrets", "keys", "database", "twilio", "smtp", "telegram"):
        assert statuses[name] == "pass", report
    assert statuses["public_url"] == "pass", report  # it is this very service
    assert statuses["plan"] in ("pass", "warn")

    elsewhere = f"http://127.0.0.1:{free_port()}"
    env = {**service.env, "BEREDSKAB_SERVICE__PUBLIC_BASE_URL": elsewhere}
    wrong = await command(service, "doctor", env=env)
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    row = next(line for line in wrong.stdout.splitlines() if "public URL" in line)
    assert row.startswith("FAIL") and elsewhere in row
    assert "fix: start `beredskab serve`, or set [service] public_base_url" in wrong.stdout
    assert "1 failed" in wrong.stdout.splitlines()[-1]
    assert wrong.stderr == ""


async def _test_rows(service: Service) -> list[Delivery]:
    """The test messages sent to Omar's phone and email."""
    db = service.database()
    try:
        async with db.read() as tx:
            found = [
                *await tx.deliveries.to_address(OMAR_PHONE),
                *await tx.deliveries.to_address(OMAR_EMAIL),
            ]
    finally:
        await db.dispose()
    return [d for d in found if d.template == "test"]


async def _receipt(client: httpx.AsyncClient, service: Service, delivery: Delivery) -> None:
    """Twilio's status callback saying the SMS was delivered (signed)."""
    url = f"{service.base_url}/webhooks/twilio/status?delivery=delivery-{delivery.id}"
    params = {"MessageSid": str(delivery.provider_id), "MessageStatus": "delivered"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    response = await client.post(url, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, response.text


@pytest.mark.timeout(180)
async def test_a_test_message_reaches_each_channel_and_its_status_is_shown(
    service: Service, smtp_peer: SmtpPeer
) -> None:
    running = asyncio.ensure_future(command(service, "test-message", OMAR, "--wait", "90"))

    async def sms_sent() -> bool:
        rows = await _test_rows(service)
        return any(d.channel.value == "sms" and d.provider_id for d in rows)

    await _wait(sms_sent, within=60)
    sms = next(d for d in await _test_rows(service) if d.channel.value == "sms")
    async with httpx.AsyncClient() as client:
        await _receipt(client, service, sms)
    done = await running

    assert done.returncode == 0, done.stdout + done.stderr
    assert "Test message to Omar Nielsen queued on: sms, email" in done.stdout
    result = done.stdout.split("Result:", 1)[1]
    assert "sms       delivered  +4520100004" in result
    assert "email     sent       omar-nielsen@example.org" in result
    assert "The test is done." in result
    mail = smtp_peer.handler.received[-1].message
    assert mail["Subject"] == "TEST fra beredskab – ikke en hændelse"  # Omar reads Danish
    assert "Der er ingen hændelse" in mail.get_body(("plain",)).get_content()
    assert sms.short_text.startswith("TEST fra beredskab til Omar Nielsen (sms")
    assert sms.incident_id is None
    db = service.database()
    try:
        async with db.read() as tx:
            audit = [a for a in await tx.audit.list() if a.action == "test_message"]
    finally:
        await db.dispose()
    assert [(a.actor.startswith("cli:"), a.detail) for a in audit] == [
        (True, f"test to {OMAR} on sms, email")
    ]


@pytest.mark.timeout(180)
async def test_a_failing_channel_shows_the_providers_reason_and_exits_1(
    service: Service, smtp_peer: SmtpPeer
) -> None:
    smtp_peer.handler.rcpt_reply = "550 5.1.1 No such user here"
    done = await command(service, "test-message", OMAR, "--channel", "email", "--wait", "60")
    assert done.returncode == 1, done.stdout + done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("  email     failed"))
    assert "omar-nielsen@example.org — " in row and "SMTP 550" in row  # the provider's reason
    assert "1 channel(s) failed" in done.stderr

    nowhere = await command(service, "test-message", OMAR, "--channel", "telegram")
    assert nowhere.returncode == 1
    assert nowhere.stderr.strip().endswith(
        f"{OMAR} has no address for telegram (a phone for sms and voice, an email, "
        "a linked Telegram chat)"
    )
    assert nowhere.stdout == ""


@pytest.mark.timeout(180)
async def test_a_test_message_on_telegram_and_a_test_call(
    service: Service, fake_bot_api: FakeBotApi
) -> None:
    api, chat = fake_bot_api, 9001
    await api.inject_message(chat, "/start")
    await api.inject_contact(chat, "+4520100003")  # Sara Lund links her chat
    await _wait(lambda: len(api.sent_to(chat)) >= 2)
    before = len(api.sent_to(chat))

    done = await command(service, "test-message", "sara-lund", "--channel", "telegram")

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"telegram  delivered  {chat}" in done.stdout
    sent = api.sent_to(chat)[before:]
    assert len(sent) == 1
    assert sent[0].text.startswith("TEST: Dette er en testbesked fra beredskabstjenesten")
    assert sent[0].button_data == []  # nothing to acknowledge

    call = await command(service, "test-message", OMAR, "--channel", "voice", "--wait", "3")
    assert call.returncode == 0, call.stdout + call.stderr  # placed; the call's end is Twilio's
    assert "voice     sent       +4520100004" in call.stdout
    assert "Not all are final yet" in call.stdout
