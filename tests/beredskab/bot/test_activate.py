"""/aktiver: group, description, zone, journal number, then a confirm button; nothing before."""

from __future__ import annotations

from beredskab.models import Incident
from tests.beredskab.bot.conftest import CHIEF_USER, POLICE_USER, STAFF_USER, Harness, labels
from tests.peers.telegram_api import SentMessage


async def _incidents(harness: Harness) -> list[Incident]:
    async with harness.app.db.transaction() as tx:
        return await tx.incidents.recent()


async def _press_then_read(
    harness: Harness, user: int, message: SentMessage, label: str
) -> SentMessage:
    before = len(harness.api.sent_to(user))
    await harness.press_label(message, label)
    return await harness.next_message(user, before)


async def _to_summary(harness: Harness, user: int, group: str, zone: str) -> SentMessage:
    choose = await harness.say(user, "/aktiver")
    ask = await _press_then_read(harness, user, choose, group)
    assert "Beskriv" in ask.text
    zones = await harness.say(user, "Uro og brand i container ved Korskærparken")
    assert labels(zones) == ["Zone 1", "Zone 2", "Zone 3", "Zone 4", "Hele området", "Annuller"]
    return await _press_then_read(harness, user, zones, zone)


async def test_police_activates_group_two_step_by_step(harness: Harness) -> None:
    await harness.link(POLICE_USER)
    choose = await harness.say(POLICE_USER, "/aktiver")
    assert labels(choose) == ["Beredskabsgruppe 2", "Annuller"]  # politi may activate only 2
    ask_case = await _to_summary(harness, POLICE_USER, "Beredskabsgruppe 2", "Zone 3")
    assert "journalnummer" in ask_case.text and "Kommer senere" in labels(ask_case)
    summary = await harness.say(POLICE_USER, "4100-12345-00042-26")
    assert "Zone: 3" in summary.text and "4100-12345-00042-26" in summary.text
    assert labels(summary) == ["Bekræft aktivering", "Annuller"]
    assert await _incidents(harness) == []  # nothing happens before the confirm button
    done = await _press_then_read(harness, POLICE_USER, summary, "Bekræft aktivering")
    [incident] = await _incidents(harness)
    assert done.text.startswith(f"Hændelse {incident.id} oprettet: Beredskabsgruppe 2 (rigtig")
    assert "deltagere underrettet" in done.text
    assert (incident.playbook_id, incident.zone, incident.police_case) == (
        "gruppe-2",
        3,
        "4100-12345-00042-26",
    )
    assert incident.activated_by == "kim-holm" and incident.activated_via == "telegram"
    assert incident.description == "Uro og brand i container ved Korskærparken"
    assert summary.reply_markup is None  # the confirm button cannot be pressed twice
    async with harness.app.db.transaction() as tx:
        assert len(await tx.deliveries.for_incident(incident.id)) > 0


async def test_chief_chooses_group_one_without_journal_number(harness: Harness) -> None:
    await harness.link(CHIEF_USER)
    choose = await harness.say(CHIEF_USER, "/aktiver")
    assert labels(choose) == ["Beredskabsgruppe 1", "Beredskabsgruppe 2", "Annuller"]
    summary = await _describe_whole_area(harness, CHIEF_USER, choose)
    assert "journalnr" not in summary.text and "hele området" in summary.text
    await _press_then_read(harness, CHIEF_USER, summary, "Bekræft aktivering")
    [incident] = await _incidents(harness)
    assert incident.playbook_id == "gruppe-1" and incident.zone is None
    # A second activation joins the open incident instead of opening another.
    choose = await harness.say(CHIEF_USER, "/aktiver")
    summary = await _describe_whole_area(harness, CHIEF_USER, choose)
    joined = await _press_then_read(harness, CHIEF_USER, summary, "Bekræft aktivering")
    assert f"allerede aktiv som hændelse {incident.id}" in joined.text
    assert len(await _incidents(harness)) == 1


async def _describe_whole_area(harness: Harness, user: int, choose: SentMessage) -> SentMessage:
    await _press_then_read(harness, user, choose, "Beredskabsgruppe 1")  # "Beskriv …"
    zones = await harness.say(user, "Stor uro")
    return await _press_then_read(harness, user, zones, "Hele området")


async def test_cancel_creates_nothing(harness: Harness) -> None:
    await harness.link(POLICE_USER)
    ask_case = await _to_summary(harness, POLICE_USER, "Beredskabsgruppe 2", "Zone 1")
    summary = await _press_then_read(harness, POLICE_USER, ask_case, "Kommer senere")
    assert "Politiets journalnr.: kommer senere (du bliver mindet om det)" in summary.text
    cancelled = await _press_then_read(harness, POLICE_USER, summary, "Annuller")
    assert "annulleret" in cancelled.text
    assert await _incidents(harness) == []
    # The dialogue is over: plain text is no longer a description.
    assert "forstod jeg ikke" in (await harness.say(POLICE_USER, "Uro")).text


async def test_people_who_may_not_activate_are_told_so(harness: Harness) -> None:
    await harness.link(STAFF_USER)
    reply = await harness.say(STAFF_USER, "/aktiver")
    assert "kan ikke aktivere" in reply.text and reply.reply_markup is None


async def test_ovelse_runs_the_same_dialogue_as_a_drill(harness: Harness) -> None:
    await harness.link(CHIEF_USER)
    choose = await harness.say(CHIEF_USER, "/ovelse")
    summary = await _describe_whole_area(harness, CHIEF_USER, choose)
    assert summary.text.startswith("ØVELSE: ") and "som øvelse" in summary.text
    await _press_then_read(harness, CHIEF_USER, summary, "Bekræft aktivering")
    [incident] = await _incidents(harness)
    assert incident.drill
    async with harness.app.db.transaction() as tx:
        rows = await tx.deliveries.for_incident(incident.id)
    assert rows and all(d.text.startswith(("ØVELSE", "DRILL")) for d in rows)


async def test_the_journal_number_can_come_later_and_a_real_activation_halts_the_drill(
    harness: Harness,
) -> None:
    await harness.link(CHIEF_USER)
    await harness.link(POLICE_USER)
    choose = await harness.say(CHIEF_USER, "/ovelse")
    await _press_then_read(harness, CHIEF_USER, choose, "Beredskabsgruppe 2")
    zones = await harness.say(CHIEF_USER, "Øvelse: uro")
    summary = await _press_then_read(harness, CHIEF_USER, zones, "Hele området")
    assert "journalnr" not in summary.text  # a drill needs no journal number
    await _press_then_read(harness, CHIEF_USER, summary, "Bekræft aktivering")
    [drill] = await _incidents(harness)
    assert drill.drill
    ask_case = await _to_summary(harness, POLICE_USER, "Beredskabsgruppe 2", "Zone 1")
    summary = await _press_then_read(harness, POLICE_USER, ask_case, "Kommer senere")
    done = await _press_then_read(harness, POLICE_USER, summary, "Bekræft aktivering")
    real = next(i for i in await _incidents(harness) if not i.drill)
    assert done.text.startswith(f"Hændelse {real.id} oprettet: Beredskabsgruppe 2 (rigtig")
    assert f"Den åbne øvelse {drill.id} er afbrudt" in done.text
    assert "journalnummer mangler" in done.text
    assert real.police_case is None
    async with harness.app.db.transaction() as tx:
        halted = await tx.incidents.get(drill.id)
        timers = await tx.timers.for_incident(real.id)
    assert halted is not None and halted.status.value == "closed"
    assert "police-case" in {t.kind for t in timers}
    # a drill during the real incident is refused, naming it
    choose = await harness.say(CHIEF_USER, "/ovelse")
    await _press_then_read(harness, CHIEF_USER, choose, "Beredskabsgruppe 2")
    zones = await harness.say(CHIEF_USER, "Øvelse igen")
    summary = await _press_then_read(harness, CHIEF_USER, zones, "Hele området")
    refused = await _press_then_read(harness, CHIEF_USER, summary, "Bekræft aktivering")
    assert f"{real.id}" in refused.text and "øvelse" in refused.text.lower()
