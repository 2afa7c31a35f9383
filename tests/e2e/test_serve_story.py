"""The whole story against a running `beredskab serve` and the real test peers.

The service runs as a subprocess, configured for Prism (Twilio), aiosmtpd and the local
Telegram Bot API server; the test talks to it only as the outside world would: signed Twilio
webhooks, Telegram updates through getUpdates, an email link, and the command line.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.service import Service, components_ok, service_env, start_service, write_config
from tests.e2e.service import wait_for as _wait
from tests.peers.smtp import SmtpPeer
from tests.peers.telegram_api import FakeBotApi, SentMessage
from tests.peers.twilio import PrismServer
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


async def _link(api: FakeBotApi, user_id: int, phone: str) -> None:
    before = len(api.sent_to(user_id))
    await api.inject_message(user_id, "/start")
    await api.inject_contact(user_id, phone)
    await _wait(lambda: len(api.sent_to(user_id)) >= before + 2)


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
            client,
            PHONES[POLICE],
            f"AKTIVER 2 {PIN} JOURNAL 3700-1 Skud ved Korskærparken",
            "SM" + "1" * 32,
        )
        await _wait(lambda: _has_incident(service))
        await _wait(settled)
        status = await service.status(1)
        participants = {
            c["person_id"] for c in status["confirmations"] if c["reason"] == "participant"
        }
        for person in participants - {POLICE}:  # the activator gets one receipt, no alert
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
        # The command line sees the same.
        listed = (await service.cli_status(1))["confirmations"]
        assert {c["person_id"] for c in listed if c["status"] == "confirmed"} == {
            SSP_SMS,
            SSP_TELEGRAM,
            HEAD_EMAIL,
            POLICE,
        }

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
