"""/journal, /zone and /beskrivelse against the local Bot API stand-in, and /status showing
the zone and the journal number."""

from __future__ import annotations

from beredskab.incident import activation
from beredskab.models import EntryKind, Incident
from tests.beredskab.bot.conftest import CHIEF_USER, DANIEL, POLICE_USER, SARA, Harness
from tests.beredskab.helpers import CHIEF, POLICE


async def _open(harness: Harness, playbook: str = "2", actor: str = POLICE) -> Incident:
    result = await activation.activate(
        db=harness.app.db,
        plan=harness.app.plan,
        playbook=playbook,
        actor_id=actor,
        channel="sms",
        description="Uro ved torvet",
        zone=1,
        police_case_pending=playbook in ("2", "gruppe-2"),  # the number is set afterwards
    )
    return result.incident


async def _stored(harness: Harness, nr: int) -> Incident:
    async with harness.app.db.transaction() as tx:
        found = await tx.incidents.get(nr)
    assert found is not None
    return found


async def test_journal_zone_and_description_from_telegram(harness: Harness) -> None:
    await harness.link(POLICE_USER, SARA)
    nr = (await _open(harness)).id
    status = await harness.say(SARA, f"/status {nr}")
    assert "Zone: 1 · journalnr. mangler" in status.text
    answer = await harness.say(POLICE_USER, f"/journal {nr} 3700-80260-00123-26")
    assert answer.text.startswith(f"Hændelse {nr} rettet: politiets journalnummer")
    assert "Journalnr.: 3700-80260-00123-26" in answer.text
    assert (
        "intet ændret"
        in (await harness.say(POLICE_USER, f"/journal {nr} 3700-80260-00123-26")).text
    )
    assert (await harness.say(POLICE_USER, f"/zone {nr} 3")).text.startswith(
        f"Hændelse {nr} rettet: zone"
    )
    described = await harness.say(POLICE_USER, f"/beskrivelse {nr} Skud ved torvet, to sårede")
    assert "beskrivelse" in described.text
    stored = await _stored(harness, nr)
    assert (stored.police_case, stored.zone) == ("3700-80260-00123-26", 3)
    assert stored.title == "Skud ved torvet, to sårede"
    corrections = [e for e in await harness.log(nr) if e.kind is EntryKind.CORRECTION]
    assert len(corrections) == 3 and all("via telegram" in e.text for e in corrections)
    assert "Journalnr.: 3700-80260-00123-26" in (await harness.say(SARA, f"/status {nr}")).text
    # A participant who does not keep the facts is refused, and it is audited.
    refused = await harness.say(SARA, f"/zone {nr} 2")
    assert "Det må du ikke" in refused.text
    rows = [a for a in await harness.audit() if a.action == "incident.correct"]
    assert [(a.actor, a.allowed) for a in rows][-1] == ("sara-lund", False)
    assert (await _stored(harness, nr)).zone == 3


async def test_usage_and_group_1(harness: Harness) -> None:
    await harness.link(CHIEF_USER, DANIEL)
    nr = (await _open(harness, playbook="1", actor=CHIEF)).id
    assert "/journal <nr> <journalnr>" in (await harness.say(CHIEF_USER, "/journal")).text
    assert "/zone <nr> <zone 1-4>" in (await harness.say(CHIEF_USER, f"/zone {nr} 9")).text
    assert "/zone <nr>" in (await harness.say(CHIEF_USER, f"/zone {nr} to")).text
    assert "/beskrivelse <nr>" in (await harness.say(CHIEF_USER, f"/beskrivelse {nr}")).text
    no_case = await harness.say(CHIEF_USER, f"/journal {nr} 3700-1")
    assert "uden politisag" in no_case.text and "gruppe 2" in no_case.text
    assert (await _stored(harness, nr)).police_case is None
    english = await harness.say(DANIEL, f"/journal {nr} 3700-1")  # staff: may correct
    assert "without a police case" in english.text
    help_text = (await harness.say(CHIEF_USER, "/hjaelp")).text
    assert "/journal nr journalnr" in help_text
