"""/pligter and /pligt: the leader's §3 checklist from Telegram, through the local Bot API."""

from __future__ import annotations

from beredskab.incident import activation
from beredskab.models import EntryKind
from tests.beredskab.bot.conftest import CHIEF_USER, DANIEL, SARA, Harness
from tests.beredskab.helpers import CHIEF


async def _activate(harness: Harness) -> int:
    result = await activation.activate(
        db=harness.app.db, plan=harness.app.plan, playbook="1", actor_id=CHIEF, channel="sms"
    )
    return result.incident.id


async def test_the_leader_lists_ticks_and_unticks_duties(harness: Harness) -> None:
    await harness.link(CHIEF_USER)
    nr = await _activate(harness)
    playbook = harness.app.plan.playbook("1")
    assert playbook is not None
    total = len(playbook.duties)
    listed = await harness.say(CHIEF_USER, "/pligter")
    assert listed.text.startswith(f"Pligter (§3), hændelse {nr}: 0 af {total} klaret.")
    assert "2. [ ] " in listed.text and f"/pligt {nr} 2" in listed.text

    ticked = await harness.say(CHIEF_USER, f"/pligt {nr} 2")
    assert ticked.text == f"Pligt 2 er afkrydset i hændelse {nr}."
    again = await harness.say(CHIEF_USER, f"/pligt {nr} {playbook.duties[1].id}")
    assert again.text.endswith("(den var det allerede)")
    listed = await harness.say(CHIEF_USER, f"/pligter {nr}")
    assert f"1 af {total} klaret." in listed.text
    assert "2. [x] " in listed.text and "af Maria Friis" in listed.text

    undone = await harness.say(CHIEF_USER, f"/pligt {nr} 2 fortryd")
    assert undone.text == f"Afkrydsningen af pligt 2 er fjernet i hændelse {nr}."
    entries = [e for e in await harness.log(nr) if e.kind is EntryKind.DUTY]
    assert [(e.actor, e.text.split(" (")[0]) for e in entries] == [
        (CHIEF, "Pligt afkrydset"),
        (CHIEF, "Afkrydsning fjernet"),
    ]

    wrong = await harness.say(CHIEF_USER, f"/pligt {nr} 99")
    assert f"pligterne er 1-{total}" in wrong.text
    usage = await harness.say(CHIEF_USER, "/pligt")
    assert usage.text.startswith("Skriv /pligt <hændelse> <pligt-nr>")


async def test_others_are_refused_in_their_language(harness: Harness) -> None:
    await harness.link(SARA, DANIEL)
    nr = await _activate(harness)
    refused = await harness.say(SARA, f"/pligt {nr} 2")
    assert "ikke" in refused.text.lower()
    english = await harness.say(DANIEL, f"/duties {nr}")
    assert english.text.startswith(f"Duties (§3), incident {nr}: 0 of ")
    assert [e for e in await harness.log(nr) if e.kind is EntryKind.DUTY] == []
    assert [(a.actor, a.allowed) for a in await harness.audit() if a.action == "duty.tick"] == [
        ("sara-lund", False)
    ]
