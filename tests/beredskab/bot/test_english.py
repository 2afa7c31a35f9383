"""A person whose directory language is "en" gets the bot's answers and buttons in English."""

from __future__ import annotations

import pytest
from aiogram.types import User

from beredskab.bot import menu
from beredskab.bot.middlewares import language_for
from beredskab.i18n import Language
from beredskab.incident import activation, steps, tasks
from beredskab.models import ConfirmationStatus, Task, TaskStatus
from contacts.models import Person
from tests.beredskab.bot.conftest import DANIEL, Harness, alerted, labels
from tests.beredskab.helpers import CHIEF, POLICE

DANIEL_ID = "daniel-okafor"


async def _activate(harness: Harness) -> int:
    result = await activation.activate(
        db=harness.app.db,
        plan=harness.app.plan,
        playbook="2",
        actor_id=POLICE,
        channel="sms",
        zone=3,
        police_case="3700-1",
    )
    return result.incident.id


async def _finish(harness: Harness, nr: int, step: str) -> None:
    await steps.finish(
        db=harness.app.db,
        plan=harness.app.plan,
        incident_id=nr,
        step_ref=step,
        actor_id=CHIEF,
        channel="cli",
    )


async def _tasks(harness: Harness, nr: int) -> list[Task]:
    async with harness.app.db.transaction() as tx:
        return await tx.tasks.list(nr, assignee=DANIEL_ID)


async def test_help_status_and_log_in_english(harness: Harness) -> None:
    await harness.link(DANIEL)
    help_text = (await harness.say(DANIEL, "/hjaelp")).text
    assert help_text.startswith("The crisis team on Telegram – commands:")
    assert "/opgaver – your open tasks" in help_text
    assert (await harness.say(DANIEL, "/status")).text == "No open incidents."
    missing = await harness.say(DANIEL, "/status 7")
    assert missing.text == "There is no incident number 7. See /status."
    assert (await harness.say(DANIEL, "/log")).text.startswith("Write the text after /log")

    nr = await _activate(harness)
    status = await harness.say(DANIEL, "/status")
    assert status.text.startswith(f"Incident {nr}: Beredskabsgruppe 2 – active")
    assert "\nZone: 3 · Journal no.: 3700-1\n" in status.text and "Confirmed: 1/" in status.text
    assert "Current step: 1. " in status.text and "Open tasks: 0 of 0" in status.text
    logged = await harness.say(DANIEL, "/log Calm at the school")
    assert logged.text.startswith("Entry ") and logged.text.endswith(f"log of incident {nr}.")
    assert (await harness.say(DANIEL, "What now?")).text.startswith("I did not understand")


async def test_refusals_in_english(harness: Harness) -> None:
    await harness.link(DANIEL)
    refused = await harness.say(DANIEL, "/aktiver")
    assert refused.text.startswith("The plan does not let you activate any crisis group.")
    assert refused.reply_markup is None
    readiness = await harness.say(DANIEL, "/beredskab")
    assert readiness.text.startswith("The readiness report is only for the project manager")
    nr = await _activate(harness)
    close = await harness.say(DANIEL, f"/afslut {nr}")
    assert close.text.startswith("Only the project manager") and close.reply_markup is None
    audited = {(a.actor, a.action) for a in await harness.audit() if not a.allowed}
    assert {(DANIEL_ID, "telegram.readiness"), (DANIEL_ID, "close")} <= audited


async def test_tasks_with_english_buttons_and_answers(harness: Harness) -> None:
    await harness.link(DANIEL)
    assert (await harness.say(DANIEL, "/opgaver")).text == "You have no open tasks."
    nr = await _activate(harness)
    await _finish(harness, nr, "opsoegende-kontakt")  # his zone's outreach tasks
    first, second, *_ = await _tasks(harness, nr)
    count = len(await _tasks(harness, nr))
    before = len(harness.api.sent_to(DANIEL))
    await harness.api.inject_message(DANIEL, "/opgaver")
    await harness.api.wait_for(lambda: len(harness.api.sent_to(DANIEL)) >= before + 1 + count)
    header, one, two, *_ = harness.api.sent_to(DANIEL)[before:]
    assert header.text == f"You have {count} open tasks:"
    assert one.text.startswith(f"Incident {nr}, task {first.number}: contact {first.target_name}")
    assert one.text.endswith("Status: assigned.")
    assert labels(one) == ["I'll take it", "Done", "Cannot"]

    answer = await harness.press_label(one, "I'll take it")
    assert answer["text"] == f"Task {first.number} is yours."
    before = len(harness.api.sent_to(DANIEL))
    await harness.press_label(one, "Done")
    ask = await harness.next_message(DANIEL, before)
    assert ask.text.startswith(f"Write the outcome of task {first.number}")
    done = await harness.say(DANIEL, "Caretaker informed, all calm")
    assert done.text == (
        f"Task {first.number} ({first.target_name}) is done. The outcome is written in the log."
    )

    # The chief declines the second task for him (it goes on to the next staff member); his
    # stale button then explains in English.
    await tasks.change(
        db=harness.app.db,
        plan=harness.app.plan,
        incident_id=nr,
        number=second.number,
        actor_id=CHIEF,
        status=TaskStatus.DECLINED,
        channel="cli",
    )
    before = len(harness.api.sent_to(DANIEL))
    answer = await harness.press_label(two, "I'll take it")
    assert alerted(answer) and answer["text"].startswith("That is not possible now")
    assert (await harness.next_message(DANIEL, before)).text.startswith("That is not possible")


async def test_alert_buttons_and_answers_in_english(harness: Harness) -> None:
    await harness.link(DANIEL)
    nr = await _activate(harness)
    await _finish(harness, nr, "orienter-bestyrelsen")  # the next step convenes the staff
    await harness.app.outbox.drain()
    [alert, *_] = [m for m in harness.api.sent_to(DANIEL) if m.button_data]
    assert labels(alert) == ["Received", "Cannot come"]
    answer = await harness.press_label(alert, "Received")
    assert answer["text"] == "Thank you – recorded."
    await harness.api.wait_for(lambda: alert.text.endswith("✅ Received"))
    async with harness.app.db.transaction() as tx:
        confirmation = await tx.incidents.confirmation(nr, DANIEL_ID)
    assert confirmation is not None and confirmation.status is ConfirmationStatus.CONFIRMED


@pytest.mark.parametrize(
    ("person_language", "client", "expected"),
    [
        ("en", "da", "en"),  # the directory wins for a bound person
        ("da", "en-GB", "da"),
        (None, "en", "en"),  # unbound: an English Telegram client
        (None, "en-US", "en"),
        (None, "da", "da"),
        (None, None, "da"),
    ],
)
def test_language_for_bound_and_unbound_users(
    person_language: Language | None, client: str | None, expected: Language
) -> None:
    person = (
        Person(id="p", name="P", phone="+4520100099", language=person_language)
        if person_language
        else None
    )
    user = User(id=1, is_bot=False, first_name="T", language_code=client)
    assert language_for(person, user) == expected


def test_command_menu_in_danish_and_english() -> None:
    danish, english = menu("da"), menu("en")
    assert [c.command for c in danish] == [c.command for c in english]
    assert [c.command for c in danish][:3] == ["aktiver", "ovelse", "status"]
    assert (danish[0].description, english[0].description) == (
        "Aktivér en beredskabsgruppe",
        "Activate a crisis group",
    )
