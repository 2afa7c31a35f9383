"""/status, /log and replies, /opgaver with task buttons, /afslut with confirmation, /hjaelp."""

from __future__ import annotations

from beredskab.incident import activation, steps
from beredskab.models import EntryKind, IncidentStatus, StepStatus, Task, TaskStatus
from tests.beredskab.bot.conftest import (
    CHIEF_USER,
    OUTSIDER,
    SARA,
    STAFF_USER,
    Harness,
    alerted,
    labels,
)
from tests.beredskab.helpers import CHIEF, POLICE


async def _activate(harness: Harness, zone: int | None = 1) -> int:
    result = await activation.activate(
        db=harness.app.db,
        plan=harness.app.plan,
        playbook="2",
        actor_id=POLICE,
        channel="sms",
        zone=zone,
        police_case="3700-1",
    )
    return result.incident.id


async def _tasks(harness: Harness, nr: int) -> list[Task]:
    async with harness.app.db.transaction() as tx:
        return await tx.tasks.list(nr, assignee="amira-hassan")


async def test_status_without_incidents(harness: Harness) -> None:
    await harness.link(SARA)
    assert (await harness.say(SARA, "/status")).text == "Ingen åbne hændelser."
    assert "Der er ingen hændelse nummer 7" in (await harness.say(SARA, "/status 7")).text
    assert "/status <nr>" in (await harness.say(SARA, "/status syv")).text


async def test_status_shows_confirmations_step_and_tasks(harness: Harness) -> None:
    await harness.link(SARA, CHIEF_USER)
    nr = await _activate(harness)
    status = await harness.say(SARA, "/status")
    assert status.text.startswith(f"Hændelse {nr}: Beredskabsgruppe 2 – aktiv")
    assert "Bekræftet: 1/" in status.text  # the activating police officer
    assert "Aktuelt trin: 1. " in status.text and "Åbne opgaver: 0 af 0" in status.text
    assert status.reply_markup is None  # Sara owns no step
    # The chief leads: the current step comes with an Udført button.
    chief = await harness.say(CHIEF_USER, f"/status {nr}")
    assert labels(chief) == ["Udført"]
    before = len(harness.api.sent_to(CHIEF_USER))
    await harness.press_label(chief, "Udført")
    done = await harness.next_message(CHIEF_USER, before)
    assert done.text.startswith("Trin 1 (") and "Næste trin: 2." in done.text
    async with harness.app.db.transaction() as tx:
        listed = await tx.steps.list(nr)
    assert [s.status for s in listed[:2]] == [StepStatus.DONE, StepStatus.ACTIVE]
    assert listed[0].finished_by == CHIEF


async def test_log_command_and_replies_to_alerts_become_log_entries(harness: Harness) -> None:
    await harness.link(SARA)
    nr = await _activate(harness)
    logged = await harness.say(SARA, "/log Politiet er på stedet")
    assert logged.text.startswith("Post ") and f"hændelse {nr}" in logged.text
    await harness.app.outbox.drain()
    [alert] = [m for m in harness.api.sent_to(SARA) if m.button_data]
    replied = await harness.say(SARA, "Jeg er på vej, 10 min", reply_to=alert)
    assert f"hændelse {nr}" in replied.text
    notes = [(e.actor, e.text) for e in await harness.log(nr) if e.kind is EntryKind.NOTE]
    assert notes == [
        ("sara-lund", "Politiet er på stedet"),
        ("sara-lund", "Jeg er på vej, 10 min"),
    ]
    # A reply to a bot message that is not an alert is not guessed at.
    puzzled = await harness.say(SARA, "Hvad betyder det?", reply_to=logged)
    assert "kan ikke se, hvilken hændelse" in puzzled.text
    assert "Skriv teksten efter /log" in (await harness.say(SARA, "/log")).text
    assert len([e for e in await harness.log(nr) if e.kind is EntryKind.NOTE]) == 2


async def test_log_refused_for_someone_not_involved(harness: Harness) -> None:
    await harness.link(OUTSIDER)  # Lise Krogh: not asked, no tasks, no role
    nr = await _activate(harness)
    refused = await harness.say(OUTSIDER, "/log Rygter på Facebook")
    assert "Det må du ikke" in refused.text
    assert not [e for e in await harness.log(nr) if e.kind is EntryKind.NOTE]
    assert any(not a.allowed and a.action == "log.add" for a in await harness.audit())


async def test_tasks_are_taken_finished_with_an_outcome_or_declined(harness: Harness) -> None:
    await harness.link(STAFF_USER)
    assert (await harness.say(STAFF_USER, "/opgaver")).text == "Du har ingen åbne opgaver."
    nr = await _activate(harness, zone=1)
    await steps.finish(
        db=harness.app.db,
        plan=harness.app.plan,
        incident_id=nr,
        step_ref="opsoegende-kontakt",
        actor_id=CHIEF,
        channel="cli",
    )
    first, second, *_ = await _tasks(harness, nr)
    before = len(harness.api.sent_to(STAFF_USER))
    await harness.api.inject_message(STAFF_USER, "/opgaver")
    count = len(await _tasks(harness, nr))
    await harness.api.wait_for(lambda: len(harness.api.sent_to(STAFF_USER)) >= before + 1 + count)
    header, one, two, *_ = harness.api.sent_to(STAFF_USER)[before:]
    assert header.text == f"Du har {count} åbne opgaver:"
    assert f"opgave {first.number}: kontakt {first.target_name}" in one.text
    assert labels(one) == ["Jeg tager den", "Udført", "Kan ikke"]

    answer = await harness.press_label(one, "Jeg tager den")
    assert f"Opgave {first.number} er din" in answer["text"]
    assert (await _tasks(harness, nr))[0].status is TaskStatus.ACCEPTED
    await harness.api.wait_for(lambda: labels(one) == ["Udført", "Kan ikke"])

    before = len(harness.api.sent_to(STAFF_USER))
    await harness.press_label(one, "Udført")
    ask = await harness.next_message(STAFF_USER, before)
    assert "resultat" in ask.text.lower()
    done = await harness.say(STAFF_USER, "Varmemester orienteret, alt roligt")
    assert done.text.startswith(f"Opgave {first.number} ({first.target_name}) er udført.")
    task = (await _tasks(harness, nr))[0]
    assert (task.status, task.outcome) == (TaskStatus.DONE, "Varmemester orienteret, alt roligt")
    await harness.api.wait_for(lambda: one.reply_markup is None)
    assert any("Resultat: Varmemester orienteret" in e.text for e in await harness.log(nr))

    answer = await harness.press_label(two, "Kan ikke")
    async with harness.app.db.transaction() as tx:
        now = await tx.tasks.get(nr, second.number)
    assert now is not None
    taker = harness.app.plan.directory.person(now.assignee)
    assert taker is not None and now.status is TaskStatus.ASSIGNED  # offered to the next one
    assert alerted(answer) and answer["text"] == (
        f"Registreret: du kan ikke tage opgave {second.number}. Den er tilbudt {taker.name}, "
        "og projektchefen har fået besked."
    )
    assert second.number not in {t.number for t in await _tasks(harness, nr)}  # not hers now


async def test_afslut_needs_the_confirm_button_and_the_right_role(harness: Harness) -> None:
    await harness.link(CHIEF_USER, STAFF_USER)
    nr = await _activate(harness)
    refused = await harness.say(STAFF_USER, "/afslut")
    assert "Kun projektchefen" in refused.text and refused.reply_markup is None
    assert any(not a.allowed and a.action == "close" for a in await harness.audit())

    ask = await harness.say(CHIEF_USER, "/afslut")
    assert labels(ask) == ["Bekræft afslutning", "Annuller"]
    await harness.press_label(ask, "Annuller")
    await harness.api.wait_for(lambda: ask.reply_markup is None)
    async with harness.app.db.transaction() as tx:
        incident = await tx.incidents.get(nr)
    assert incident is not None and incident.status is IncidentStatus.ACTIVE

    ask = await harness.say(CHIEF_USER, f"/afslut {nr}")
    before = len(harness.api.sent_to(CHIEF_USER))
    await harness.press_label(ask, "Bekræft afslutning")
    closed = await harness.next_message(CHIEF_USER, before)
    assert closed.text.startswith(f"Hændelse {nr} er afblæst.")
    async with harness.app.db.transaction() as tx:
        incident = await tx.incidents.get(nr)
    assert incident is not None and incident.status is IncidentStatus.CLOSED
    assert incident.closed_by == CHIEF
    again = await harness.say(CHIEF_USER, f"/afslut {nr}")
    assert again.text == f"Hændelse {nr} er allerede afsluttet."


async def test_help_and_unknown_text(harness: Harness) -> None:
    await harness.link(SARA)
    help_text = (await harness.say(SARA, "/hjaelp")).text
    for command in ("/aktiver", "/status", "/log", "/opgaver", "/afslut", "/hjaelp"):
        assert command in help_text
    assert "/hjaelp" in (await harness.say(SARA, "Hej?")).text
    assert [c["command"] for c in harness.api.commands][:3] == ["aktiver", "ovelse", "status"]
