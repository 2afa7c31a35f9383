"""Telegram buttons on sign-off and verification requests."""

from __future__ import annotations

from beredskab import preparedness
from beredskab.bot.preparedness import chunks
from tests.beredskab.bot.conftest import CHIEF_USER, OMAR, OUTSIDER, SARA, Harness, alerted, button
from tests.peers.telegram_api import SentMessage


async def _request(harness: Harness, user: int) -> SentMessage:
    await harness.app.outbox.drain()
    [message] = [m for m in harness.api.sent_to(user) if m.button_data]
    return message


async def _signed(harness: Harness, person_id: str) -> bool:
    lines = await preparedness.signoff_status(db=harness.app.db, plan=harness.app.plan)
    return any(line.person.id == person_id and line.signed_at for line in lines)


async def test_signoff_button_records_once_and_refuses_others(harness: Harness) -> None:
    await harness.link(SARA, OMAR)
    await preparedness.request_signoff(app=harness.app)
    message = await _request(harness, SARA)
    assert "Beredskabsplanen" in message.text
    data = button(message, "Bekræft")

    foreign = await harness.press(message, data, user=OMAR)
    assert alerted(foreign) and not await _signed(harness, "sara-lund")
    refused = [a for a in await harness.audit() if a.action == "telegram.button.preparedness"]
    assert [(a.actor, a.allowed) for a in refused] == [("omar-nielsen", False)]

    answer = await harness.press(message, data)
    assert "Tak" in answer.get("text", "")
    assert await _signed(harness, "sara-lund")
    await harness.api.wait_for(lambda: message.text.endswith("✅ Bekræftet"))
    assert message.reply_markup is None


async def test_verification_button_confirms_contact_details(harness: Harness) -> None:
    await harness.link(SARA)
    campaign, _ = await preparedness.start_verification(app=harness.app, actor="cli")
    message = await _request(harness, SARA)
    assert "Telegram tilknyttet: ja" in message.text
    await harness.press(message, button(message, "Bekræft"))
    report = await preparedness.campaign_report(app=harness.app, campaign_id=campaign.id)
    assert [p.id for p, _, via in report.confirmed if via == "telegram"] == ["sara-lund"]


async def test_beredskab_command_shows_readiness_to_the_chief_only(harness: Harness) -> None:
    await harness.link(CHIEF_USER, OUTSIDER)
    first = await harness.say(CHIEF_USER, "/beredskab")
    assert first.text.startswith("Beredskabsstatus")
    await harness.api.wait_for(
        lambda: any("ENKELTPUNKTSFEJL" in m.text for m in harness.api.sent_to(CHIEF_USER))
    )
    refused = await harness.say(OUTSIDER, "/beredskab")
    assert "kun for projektchefen" in refused.text
    audited = [a for a in await harness.audit() if a.action == "telegram.readiness"]
    assert [(a.actor, a.allowed) for a in audited] == [("lise-krogh", False)]


def test_chunks_split_at_line_ends() -> None:
    text = "\n".join(["x" * 30] * 10)
    parts = chunks(text, limit=100)
    assert all(len(p) <= 100 for p in parts) and "\n".join(parts) == text
