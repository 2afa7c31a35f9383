"""/opgave and /indkald: the chief gives a task or convenes TOT/Lokalråd from Telegram; the
assignee finishes it only with an outcome; others are refused (audited)."""

from __future__ import annotations

from beredskab.incident import activation
from beredskab.models import Task, TaskStatus
from tests.beredskab.bot.conftest import CHIEF_USER, SARA, STAFF_USER, Harness, labels
from tests.beredskab.helpers import CHIEF, POLICE, STAFF, deliveries


async def _activate(harness: Harness) -> int:
    result = await activation.activate(
        db=harness.app.db,
        plan=harness.app.plan,
        playbook="2",
        actor_id=POLICE,
        channel="sms",
        zone=1,
        police_case="3700-1",
    )
    return result.incident.id


async def _tasks(harness: Harness, nr: int) -> list[Task]:
    async with harness.app.db.transaction() as tx:
        return await tx.tasks.list(nr)


async def test_the_chief_gives_a_task_in_a_dialogue_and_it_is_done_with_an_outcome(
    harness: Harness,
) -> None:
    await harness.link(CHIEF_USER, STAFF_USER)
    nr = await _activate(harness)
    who = await harness.say(CHIEF_USER, "/opgave")
    assert who.text == f"Hændelse {nr}: hvem skal have opgaven?"
    assert "Amira Hassan" in labels(who) and "Annullér" in labels(who)
    before = len(harness.api.sent_to(CHIEF_USER))
    await harness.press_label(who, "Amira Hassan", CHIEF_USER)
    ask = await harness.next_message(CHIEF_USER, before)
    assert ask.text.startswith("Skriv opgaven til Amira Hassan")
    due = await harness.say(CHIEF_USER, "Tal med forældrene ved skolen")
    assert due.text.startswith("Frist?") and labels(due) == ["Ingen frist", "Annullér"]
    again = await harness.say(CHIEF_USER, "om lidt")
    assert again.text.startswith("Fristen skrives som minutter")
    given = await harness.say(CHIEF_USER, "30")
    assert given.text.startswith("Opgave 1 er givet til Amira Hassan (frist ")
    [task] = await _tasks(harness, nr)
    assert (task.assignee, task.text, task.created_by) == (
        STAFF,
        "Tal med forældrene ved skolen",
        CHIEF,
    )
    told = [d for d in await deliveries(harness.app.db, nr) if d.template == "chief_task"]
    assert {(d.person_id, d.channel.value) for d in told} == {(STAFF, "telegram")}
    before = len(harness.api.sent_to(STAFF_USER))
    await harness.app.outbox.drain()
    message = await harness.next_message(STAFF_USER, before)
    assert "Projektchefen har givet dig en opgave" in message.text
    assert "Opgave 1: Tal med forældrene ved skolen" in message.text

    before = len(harness.api.sent_to(STAFF_USER))
    await harness.api.inject_message(STAFF_USER, "/opgaver")
    await harness.api.wait_for(lambda: len(harness.api.sent_to(STAFF_USER)) >= before + 2)
    line = harness.api.sent_to(STAFF_USER)[before + 1]
    assert line.text.startswith(
        f"Hændelse {nr}, opgave 1 fra Maria Friis: Tal med forældrene ved skolen ("
    )
    before = len(harness.api.sent_to(STAFF_USER))
    await harness.press_label(line, "Udført", STAFF_USER)
    ask = await harness.next_message(STAFF_USER, before)
    assert "– hvis der intet er at sige" in ask.text
    done = await harness.say(STAFF_USER, "–")
    assert done.text.startswith("Opgave 1 (Tal med forældrene ved skolen) er udført.")
    [task] = await _tasks(harness, nr)
    assert (task.status, task.outcome) == (TaskStatus.DONE, "–")


async def test_others_cannot_give_tasks_or_convene(harness: Harness) -> None:
    await harness.link(SARA)
    await _activate(harness)
    for command, action in (("/opgave", "task.create"), ("/indkald", "incident.convene")):
        refused = await harness.say(SARA, command)
        assert refused.reply_markup is None and "må" in refused.text.lower()
        rows = [a for a in await harness.audit() if a.action == action]
        assert [(a.actor, a.allowed) for a in rows] == [("sara-lund", False)]


async def test_the_chief_convenes_tot_from_telegram(harness: Harness) -> None:
    await harness.link(CHIEF_USER)
    nr = await _activate(harness)
    which = await harness.say(CHIEF_USER, "/indkald")
    assert labels(which) == [
        "TOT (infohus-samarbejde) (Infohuset)",
        "Lokalråd (Områdesekretariatet)",
        "Annullér",
    ]
    before = len(harness.api.sent_to(CHIEF_USER))
    await harness.press_label(which, "TOT", CHIEF_USER)
    when = await harness.next_message(CHIEF_USER, before)
    assert when.text.startswith("Hvornår?") and labels(when) == ["Hurtigst muligt", "Annullér"]
    before = len(harness.api.sent_to(CHIEF_USER))
    await harness.press_label(when, "Hurtigst muligt", CHIEF_USER)
    done = await harness.next_message(CHIEF_USER, before)
    assert done.text == (
        "TOT (infohus-samarbejde) er indkaldt (Infohuset, hurtigst muligt). "
        "Bedt om at bekræfte: Jonas Bech, Hanne Storm."
    )
    sent = [d for d in await deliveries(harness.app.db, nr) if d.template == "convene"]
    assert {d.person_id for d in sent} == {"jonas-bech", "hanne-storm"}
