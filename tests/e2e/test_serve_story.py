"""The whole story against a running `beredskab serve` and the real test peers.

The service runs as a subprocess, configured for Prism (Twilio), aiosmtpd and the local
Telegram Bot API server; the test talks to it only as the outside world would: signed Twilio
webhooks, Telegram updates through getUpdates, an email link, and the command line.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.peers.smtp import PASSWORD, USERNAME, SmtpPeer
from tests.peers.telegram_api import FakeBotApi, SentMessage
from tests.peers.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, PrismServer
from tests.postgres import free_port

POLICE, CHIEF, SSP_SMS, SSP_TELEGRAM, HEAD_EMAIL, STAFF = (
    "kim-holm",
    "maria-friis",
    "omar-nielsen",
    "sara-lund",
    "birgit-dahl",
    "mikkel-juhl",
)
PHONES = {POLICE: "+4520100001", CHIEF: "+4520100013", SSP_SMS: "+4520100004"}
PIN = "4711"


@dataclass
class Service:
    """A running `beredskab serve` and how to reach it."""

    root: Path
    config: Path
    base_url: str
    process: subprocess.Popen[str]
    env: dict[str, str]

    def cli(self, *args: str, stdin: str | None = None, expect: int = 0) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "beredskab", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.root,
            input=stdin,
            timeout=60,
        )
        assert done.returncode == expect, (args, done.stdout, done.stderr)
        return done.stdout

    async def acli(self, *args: str, stdin: str | None = None, expect: int = 0) -> str:
        """The CLI in a thread: the peers in this event loop must keep serving meanwhile."""
        return await asyncio.to_thread(self.cli, *args, stdin=stdin, expect=expect)

    async def status(self, nr: int) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(await self.acli("status", str(nr), "--json"))
        return result

    async def sms(self, client: httpx.AsyncClient, sender: str, body: str, sid: str) -> None:
        params = {
            "MessageSid": sid,
            "From": sender,
            "To": FROM_NUMBER,
            "Body": body,
            "AccountSid": ACCOUNT_SID,
        }
        url = f"{self.base_url}/webhooks/twilio/sms"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
        response = await client.post(url, data=params, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 200, response.text


def _directory(root: Path) -> Path:
    text = (files("contacts") / "examples" / "fredericia.toml").read_text(encoding="utf-8")
    path = root / "kontakter.toml"
    path.write_text(
        re.sub(r"^example = true", "example = false", text, flags=re.MULTILINE), encoding="utf-8"
    )
    return path


@pytest.fixture
async def service(
    tmp_path: Path, prism: PrismServer, smtp_peer: SmtpPeer, fake_bot_api: FakeBotApi
) -> AsyncIterator[Service]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[service]
data_dir = "var"
public_base_url = "{base_url}"
[plan]
directory_file = "{_directory(tmp_path)}"
[web]
port = {port}
[outbox]
poll_seconds = 0.1
[twilio]
account_sid = "{ACCOUNT_SID}"
from_number = "{FROM_NUMBER}"
rate_per_second = 50
api_base_url = "{prism.base_url}"
[smtp]
host = "127.0.0.1"
port = {smtp_peer.port}
username = "{USERNAME}"
from_address = "beredskab@example.org"
ca_file = "{smtp_peer.write_ca(tmp_path)}"
[telegram]
api_base_url = "{fake_bot_api.base_url}"
""",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEREDSKAB_")}
    env.update(
        BEREDSKAB_TWILIO__AUTH_TOKEN=AUTH_TOKEN,
        BEREDSKAB_SMTP__PASSWORD=PASSWORD,
        BEREDSKAB_TELEGRAM__BOT_TOKEN=fake_bot_api.token,
        BEREDSKAB_SECURITY__LINK_SECRET="e2e-link-secret-0123456789abcdef",
    )
    process = subprocess.Popen(  # noqa: ASYNC220 (Popen returns at once; we poll it below)
        [sys.executable, "-m", "beredskab", "--config", str(config), "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    svc = Service(tmp_path, config, base_url, process, env)
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(300):  # readiness: /healthz answers with the bot running
                try:
                    health = await client.get(f"{base_url}/healthz")
                    if health.status_code == 200 and health.json().get("bot") == "running":
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None, process.communicate()[0]
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("beredskab serve did not become ready")
        yield svc
    finally:
        process.terminate()  # the peers live in this loop: wait for the exit in a thread
        try:
            output, _ = await asyncio.to_thread(process.communicate, timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = await asyncio.to_thread(process.communicate)
        assert process.returncode == 0, output


async def _link(api: FakeBotApi, user_id: int, phone: str) -> None:
    before = len(api.sent_to(user_id))
    await api.inject_message(user_id, "/start")
    await api.inject_contact(user_id, phone)
    await _wait(lambda: len(api.sent_to(user_id)) >= before + 2)


async def _wait(condition: Callable[[], Awaitable[bool] | bool], within: float = 30.0) -> None:
    """Poll state owned by another process (the service) until it holds."""
    deadline = asyncio.get_running_loop().time() + within
    for _ in range(10_000):
        result = condition()
        if await result if inspect.isawaitable(result) else result:
            return
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.1)


async def _has_confirmed(service: Service, person: str) -> bool:
    return person in await _confirmed(service)


async def _confirmed(service: Service) -> set[str]:
    status = await service.status(1)
    return {c["person_id"] for c in status["confirmations"] if c["status"] == "confirmed"}


@pytest.mark.timeout(240)
async def test_the_whole_story_against_a_running_service(
    service: Service, smtp_peer: SmtpPeer, fake_bot_api: FakeBotApi
) -> None:
    api = fake_bot_api
    await service.acli("pin", "set", POLICE, "--pin-stdin", stdin=PIN + "\n")
    await service.acli("pin", "set", CHIEF, "--pin-stdin", stdin=PIN + "\n")
    await _link(api, 9001, "+4520100003")  # Sara Lund (SSP) on Telegram
    await _link(api, 9002, "+4520100017")  # Mikkel Juhl (staff) on Telegram

    async def settled() -> bool:
        status = await service.status(1)
        return all(d["status"] not in ("queued", "sending") for d in status["deliveries"])

    async def task_status(wanted: str) -> bool:
        return any(t["status"] == wanted for t in (await service.status(1))["tasks"])

    async with httpx.AsyncClient() as client:
        await service.sms(
            client, PHONES[POLICE], f"AKTIVER 2 {PIN} Skud ved Korskærparken", "SM" + "1" * 32
        )
        await _wait(lambda: _has_incident(service))
        await _wait(settled)
        status = await service.status(1)
        participants = {
            c["person_id"] for c in status["confirmations"] if c["reason"] == "participant"
        }
        for person in participants:
            channels = {d["channel"] for d in status["deliveries"] if d["person_id"] == person}
            assert {"sms", "email"} <= channels, person
        assert {"telegram"} <= {
            d["channel"] for d in status["deliveries"] if d["person_id"] == SSP_TELEGRAM
        }
        # 1) OK by SMS
        await service.sms(client, PHONES[SSP_SMS], "OK", "SM" + "2" * 32)
        # The inbox processes the SMS on its own; wait, so the timeline order is the story's.
        await _wait(lambda: _has_confirmed(service, SSP_SMS))
        # 2) The Telegram button, delivered through getUpdates
        alert = next(m for m in api.sent_to(9001) if m.button_data)
        await api.press_button(alert, alert.button_data[0])
        await _wait(lambda: _has_confirmed(service, SSP_TELEGRAM))
        # 3) The email page: GET changes nothing, POST confirms
        mail = next(
            m
            for m in smtp_peer.handler.received
            if m.rcpt_tos == ["birgit-dahl@example.org"] and "aktiveret" in m.message["Subject"]
        )
        plain = mail.message.get_body(("plain",))
        assert plain is not None
        link = re.search(r"https?://\S+/a/\S+", plain.get_content())
        assert link is not None
        assert (await client.get(link.group(0))).status_code == 200
        assert HEAD_EMAIL not in await _confirmed(service)
        assert (await client.post(link.group(0), data={"svar": "bekraeft"})).status_code == 200

        async def three_confirmed() -> bool:
            return {SSP_SMS, SSP_TELEGRAM, HEAD_EMAIL} <= await _confirmed(service)

        await _wait(three_confirmed)
        assert await _confirmed(service) == {SSP_SMS, SSP_TELEGRAM, HEAD_EMAIL, POLICE}

        # STATUS by SMS answers with the confirmations.
        await service.sms(client, PHONES[POLICE], "STATUS 1", "SM" + "3" * 32)

        # A staff member takes an outreach task on Telegram and reports the outcome.
        await service.acli("step", "done", "1", "opsoegende-kontakt", "--as", CHIEF, "--no-deliver")
        await api.inject_message(9002, "/opgaver")
        await _wait(
            lambda: any("Jeg tager den" in json.dumps(m.reply_markup) for m in api.sent_to(9002))
        )
        task_message = [
            m for m in api.sent_to(9002) if "Jeg tager den" in json.dumps(m.reply_markup)
        ][-1]
        await api.press_button(task_message, _button(task_message, "Jeg tager den"))
        await _wait(lambda: task_status("accepted"))
        task_message = [
            m
            for m in api.sent_to(9002)
            if "Udført" in json.dumps(m.reply_markup, ensure_ascii=False)
        ][-1]
        await api.press_button(task_message, _button(task_message, "Udført"))
        await _wait(lambda: "resultat" in api.sent_to(9002)[-1].text.lower())
        await api.inject_message(9002, "Varmemester orienteret, alt roligt")
        await _wait(lambda: task_status("done"))

        # The chief stands down by SMS.
        await service.sms(client, PHONES[CHIEF], f"AFSLUT 1 {PIN}", "SM" + "4" * 32)

        async def closed() -> bool:
            return bool((await service.status(1))["incident"]["status"] == "closed")

        await _wait(closed)

    report = await service.acli("report", "1")
    timeline = report[report.index("## Tidslinje") :]
    order = [
        "aktiveret af Kim Holm",
        "Omar Nielsen bekræftede via sms",
        "Sara Lund bekræftede via telegram",
        "Birgit Dahl bekræftede via email",
        "Varmemester orienteret",
        "afblæst af Maria Friis",
    ]
    positions = [timeline.find(text) for text in order]
    assert all(p >= 0 for p in positions), list(zip(order, positions, strict=True))
    assert positions == sorted(positions)


async def _has_incident(service: Service) -> bool:
    return "Skud" in await service.acli("status")


def _button(message: SentMessage, label: str) -> str:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return next(b["callback_data"] for row in rows for b in row if label in b["text"])
