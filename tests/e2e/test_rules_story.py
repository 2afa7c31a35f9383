"""The plan's rules on a night that goes off script, against a running `beredskab serve`.

A drill of group 2 is open when the police liaison activates for real by SMS with PIN and
journal number: the real alerts reach every participant, the drill's people get ØVELSE
AFBRUDT, the chief confirms by working the incident and is never phoned, the situation
picture and a chief's task land in the report, and a deleted log tail is detected against
the chain head. Then a real group 1 incident is upgraded to group 2 while another drill of
group 2 runs: the upgrade halts that drill, asks the group 2 participants and is in the report.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from importlib.resources import files
from pathlib import Path

import httpx
import pytest

from beredskab.models import Delivery
from tests.beredskab.chain_tamper import tamper
from tests.e2e.service import Service, components_ok, service_env, start_service, write_config
from tests.e2e.service import wait_for as _wait
from tests.peers.smtp import SmtpPeer
from tests.peers.telegram_api import FakeBotApi
from tests.peers.twilio import PrismServer
from tests.postgres import free_port

POLICE, CHIEF, SSP = "kim-holm", "maria-friis", "omar-nielsen"
PHONES = {POLICE: "+4520100001", CHIEF: "+4520100013", SSP: "+4520100004"}
PIN = "4711"
SENT = ("sent", "delivered")


def _short_escalation(root: Path) -> Path:
    """The bundled plans, with group 2 re-sending (and phoning) after one minute, so the
    escalation really fires while the test watches."""
    plans = root / "plans"
    plans.mkdir()
    for name in ("gruppe-1.toml", "gruppe-2.toml"):
        text = (files("playbooks") / "plans" / name).read_text(encoding="utf-8")
        if name == "gruppe-2.toml":
            text, count = re.subn(
                r"^renotify_after_minutes = \d+$", "renotify_after_minutes = 1", text, flags=re.M
            )
            assert count == 1
        (plans / name).write_text(text, encoding="utf-8")
    return plans


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
        playbooks_dir=_short_escalation(tmp_path),
    )
    env = service_env(bot_token=fake_bot_api.token)
    svc = await start_service(tmp_path, config, env, ready=lambda h: components_ok(h, "leader"))
    try:
        yield svc
    finally:
        await svc.stop()


async def _settled(service: Service, nr: int) -> bool:
    return all(
        d["status"] not in ("queued", "sending") for d in (await service.status(nr))["deliveries"]
    )


async def _confirmed(service: Service, nr: int) -> set[str]:
    status = await service.status(nr)
    return {c["person_id"] for c in status["confirmations"] if c["status"] == "confirmed"}


def _reached(rows: list[Delivery], *, template: str | None = None) -> set[str]:
    return {d.person_id for d in rows if d.status.value in SENT and template in (None, d.template)}


@pytest.mark.timeout(420)
async def test_a_real_night_during_a_drill(service: Service) -> None:
    await service.acli("pin", "set", POLICE, "--pin-stdin", stdin=PIN + "\n")
    await service.acli("pin", "set", CHIEF, "--pin-stdin", stdin=PIN + "\n")

    # Act 1: a drill of group 2 is open, its alerts delivered.
    started = await service.acli("drill", "gruppe-2", "--as", CHIEF, "--description", "Øvelse")
    assert "ØVELSE" in started or "øvelse" in started
    await _wait(lambda: _settled(service, 1), within=120)
    drill_people = _reached(await service.deliveries(1))
    assert drill_people

    async with httpx.AsyncClient() as client:
        # The police liaison activates for real by SMS, with PIN and journal number.
        await service.sms(
            client,
            PHONES[POLICE],
            f"AKTIVER 2 {PIN} JOURNAL 3700-55 Skud ved Korskærparken",
            "SM" + "a" * 32,
        )

        async def real_open() -> bool:
            return "Skud" in await service.acli("status")

        await _wait(real_open, within=120)
        real = await service.status(2)
        assert real["incident"]["drill"] is False
        assert real["incident"]["police_case"] == "3700-55"
        drill = await service.status(1)
        assert drill["incident"]["status"] == "closed"

        # Real alerts reach every participant; nothing of them says ØVELSE.
        await _wait(lambda: _settled(service, 2), within=120)
        rows = await service.deliveries(2)
        participants = {
            c["person_id"]
            for c in (await service.status(2))["confirmations"]
            if c["reason"] == "participant"
        }
        assert participants - {POLICE} <= _reached(rows, template="activation")
        assert not [d for d in rows if d.template == "activation" and "ØVELSE" in d.text]

        # Everyone the drill reached hears ØVELSE AFBRUDT, and nothing else of the drill.
        await _wait(lambda: _settled(service, 1), within=120)
        halted = [d for d in await service.deliveries(1) if "AFBRUDT" in d.text]
        assert drill_people <= {d.person_id for d in halted if d.status.value in SENT}

        # The chief works the incident (a log entry by SMS) and so counts as confirmed.
        await service.sms(client, PHONES[CHIEF], "LOG Beboere samlet i Infohuset", "SM" + "b" * 32)
        await _wait(lambda: _has(service, 2, CHIEF), within=120)

        # The escalation fires after a minute: the others are phoned, the chief never.
        async def someone_phoned() -> bool:
            return any(d.channel.value == "voice" for d in await service.deliveries(2))

        await _wait(someone_phoned, within=240)
        rows = await service.deliveries(2)
        assert not [d for d in rows if d.person_id == CHIEF and d.channel.value == "voice"]
        assert not [d for d in rows if d.person_id == CHIEF and "mangler dit svar" in d.text]
        status = await service.status(2)
        assert not [c for c in status["confirmations"] if c["reason"] == f"deputy:{CHIEF}"]

        # The situation picture and a chief's task.
        await service.acli(
            "picture", "set", "2", "--heading", "1", "--text", "Skud affyret ved nr. 12",
            "--as", CHIEF,
        )  # fmt: skip
        await service.acli(
            "task", "add", "2", "--to", "mikkel-juhl", "--text", "Tal med varmemesteren",
            "--as", CHIEF,
        )  # fmt: skip

        # The chief stands down by SMS; she gets the log's chain head.
        await service.sms(client, PHONES[CHIEF], f"AFSLUT 2 {PIN}", "SM" + "c" * 32)

        async def closed() -> bool:
            return bool((await service.status(2))["incident"]["status"] == "closed")

        await _wait(closed, within=120)
        heads = [d for d in await service.deliveries(2) if d.template == "chain_head"]
        assert {d.person_id for d in heads} == {CHIEF}

    report = await service.acli("report", "2")
    assert "Situationsbillede" in report and "Skud affyret ved nr. 12" in report
    assert "Tal med varmemesteren" in report
    assert "kæden er ubrudt" in report.lower()

    # Someone with database rights deletes the last entry: the head the report gave shows it.
    head = (await service.status(2))["chain_head"]
    assert head
    db = service.database()
    try:
        await tamper(
            db,
            "DELETE FROM log_entries WHERE incident_id = 2 "
            "AND seq = (SELECT MAX(seq) FROM log_entries WHERE incident_id = 2)",
        )
    finally:
        await db.dispose()
    verdict = await service.acli("log", "verify", "2", "--head", head, expect=4)
    assert "Der mangler poster" in verdict


@pytest.mark.timeout(300)
async def test_an_upgrade_halts_the_drill_and_reaches_everyone(service: Service) -> None:
    await service.acli("pin", "set", CHIEF, "--pin-stdin", stdin=PIN + "\n")
    await service.acli("drill", "gruppe-2", "--as", CHIEF, "--description", "Øvelse")
    async with httpx.AsyncClient() as client:
        await service.sms(
            client, PHONES[CHIEF], f"AKTIVER 1 {PIN} Uro ved Infohuset", "SM" + "d" * 32
        )

        async def group1_open() -> bool:
            return "Uro" in await service.acli("status")

        await _wait(group1_open, within=120)
    await _wait(lambda: _settled(service, 2), within=120)
    before = _reached(await service.deliveries(2))
    out = await service.acli("upgrade", "2", "gruppe-2", "--police-case", "3700-56", "--as", POLICE)
    assert "afbrudt" in out.lower()
    assert (await service.status(1))["incident"]["status"] == "closed"
    await _wait(lambda: _settled(service, 2), within=120)
    rows = await service.deliveries(2)
    upgraded = {d.person_id for d in rows if "opgraderet" in d.text.lower()}
    assert before - {CHIEF} <= upgraded  # everyone already notified hears of the upgrade
    report = await service.acli("report", "2")
    assert "Opgraderet fra Beredskabsgruppe 1 til Beredskabsgruppe 2" in report
    assert "3700-56" in report


async def _has(service: Service, nr: int, person: str) -> bool:
    return person in await _confirmed(service, nr)
