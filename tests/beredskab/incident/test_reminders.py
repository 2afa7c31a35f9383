"""Reminders say what they are about and are coalesced per item (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from importlib.resources import files
from itertools import pairwise
from pathlib import Path

import pytest

from beredskab.delivery.notifications import fits_one_sms, item_of
from beredskab.incident import activation, escalation, standdown, steps
from beredskab.models import Delivery
from beredskab.plan import Plan, load_plan
from beredskab.storage import Database
from beredskab.storage.repositories.timers import NewTimer
from notifier.types import ChannelKind
from tests.beredskab.helpers import CHIEF, POLICE, deliveries
from tests.conftest import TestClock

ENGLISH = "daniel-okafor"
SHORT = {
    "due_after_minutes": 1,
    "renotify_after_minutes": 1,
    "deputy_after_minutes": 2,
    "report_missing_after_minutes": 3,
    "reminder_after_minutes": 1,
}


@pytest.fixture
async def cdb(db_url: str, clock: TestClock) -> AsyncIterator[Database]:
    database = Database(db_url, clock=clock)
    await database.upgrade()
    yield database
    await database.dispose()


@pytest.fixture
def short_plan(tmp_path: Path) -> Plan:
    """The bundled plan with every timer at one to three minutes."""
    folder = tmp_path / "plans"
    folder.mkdir()
    for name in ("gruppe-1.toml", "gruppe-2.toml"):
        text = (files("playbooks") / "plans" / name).read_text(encoding="utf-8")
        for key, minutes in SHORT.items():
            text = re.sub(rf"(?m)^{key} = \d+", f"{key} = {minutes}", text)
        (folder / name).write_text(text, encoding="utf-8")
    return load_plan(playbooks_dir=folder, directory_file=None)


async def _activate(db: Database, plan: Plan) -> int:
    result = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=POLICE, channel="sms", police_case="3700-55"
    )
    return result.incident.id


def _messages(rows: list[Delivery], person: str) -> list[Delivery]:
    """One row per reminder message to a person (a message goes out on several channels)."""
    seen: dict[str, Delivery] = {}
    for row in rows:
        if row.person_id == person and row.template == "reminder":
            seen.setdefault(row.notification, row)
    return list(seen.values())


async def test_with_short_timers_the_chief_gets_named_reminders_never_the_same_twice(
    cdb: Database, short_plan: Plan, clock: TestClock
) -> None:
    """Seen: with short timers the chief got 17 identical reminders in 4 minutes."""
    nr = await _activate(cdb, short_plan)
    for _ in range(16):  # four minutes, a tick every 15 s
        clock.advance(seconds=15)
        await escalation.tick(db=cdb, plan=short_plan, limit=1000)
    rows = await deliveries(cdb, nr)
    messages = _messages(rows, CHIEF)
    assert len(messages) >= 8
    texts = [m.text for m in messages]
    assert len(set(texts)) == len(texts)  # not one identical pair
    smses = [d.short_text for d in rows if d.person_id == CHIEF and d.template == "reminder"]
    assert all(fits_one_sms(s) for s in smses)
    asking = [m for m in messages if "mangler dit svar" in m.text]
    assert len(asking) == 1 and asking[0].actions  # she never answered: asked once, with OK
    for m in messages:
        if m is not asking[0]:
            assert re.search(r"Trin \d+ (er \d+ min over|har nået) fristen", m.text), m.text
            assert "Boligsocial projektchef" in m.text and "Svar OK" not in m.text
    by_item: dict[str, list[Delivery]] = {}
    for m in messages:
        by_item.setdefault(item_of(m.notification), []).append(m)
    for item, sent in by_item.items():
        times = sorted(m.created_at for m in sent)
        assert all(b - a >= timedelta(minutes=1) for a, b in pairwise(times)), item


async def test_a_step_reminder_names_the_step_its_owner_and_how_late_it_is(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await _activate(cdb, plan)  # 03:00 Danish time; step 1 is due at 03:15
    clock.advance(minutes=22)  # the service was down: the timer fires 7 minutes late
    await escalation.tick(db=cdb, plan=plan, limit=1000)
    [message] = [m for m in _messages(await deliveries(cdb, nr), CHIEF) if "Trin 1" in m.text]
    expected = (
        "Trin 1 er 7 min over fristen kl. 03:15 (Boligsocial projektchef): "
        "Projektchefen orienterer bestyrelsen"
    )
    assert expected in message.text
    sms = next(
        d.short_text
        for d in await deliveries(cdb, nr)
        if d.notification == message.notification and d.channel is ChannelKind.SMS
    )
    assert sms.startswith("Påmindelse Beredskabsgruppe 2, hændelse 1: Trin 1 er 7 min over")
    assert fits_one_sms(sms) and "mangler dit svar" not in sms


async def test_two_timers_for_one_step_remind_once_within_the_interval(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await _activate(cdb, plan)
    async with cdb.transaction() as tx:
        first = (await tx.steps.list(nr))[0]
        await tx.timers.add(  # a second timer for the same step (e.g. an upgrade's)
            [NewTimer("step-due", nr, first.due_at, ref=first.position)], now=tx.now
        )
    clock.now = first.due_at
    await escalation.tick(db=cdb, plan=plan)
    about_step = [
        m
        for m in _messages(await deliveries(cdb, nr), CHIEF)
        if item_of(m.notification) == "step-1"
    ]
    assert len(about_step) == 1
    async with cdb.transaction() as tx:
        log = [e.text for e in await tx.log.list(nr)]
    assert any("allerede mindet om det" in t for t in log)
    clock.advance(minutes=15)  # one interval later the leader is told again: a new reminder
    await escalation.tick(db=cdb, plan=plan)
    about_step = [
        m
        for m in _messages(await deliveries(cdb, nr), CHIEF)
        if item_of(m.notification) == "step-1"
    ]
    assert len(about_step) == 2


async def test_a_task_reminder_names_the_task(cdb: Database, plan: Plan, clock: TestClock) -> None:
    nr = await _activate(cdb, plan)
    for step in range(1, 7):
        await steps.finish(
            db=cdb, plan=plan, incident_id=nr, step_ref=str(step), actor_id=CHIEF, channel="cli"
        )
    async with cdb.transaction() as tx:
        task = (await tx.tasks.list(nr))[0]
    clock.advance(minutes=15)
    await escalation.tick(db=cdb, plan=plan, limit=1000)
    [message] = [
        m
        for m in _messages(await deliveries(cdb, nr), task.assignee)
        if item_of(m.notification) == f"task-{task.number}"
    ]
    assert f"Opgave {task.number} (" in message.text and task.target_name in message.text
    assert "mangler dit svar" not in message.text


async def test_a_follow_up_carries_its_own_text(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await _activate(cdb, plan)
    await standdown.close(db=cdb, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")
    playbook = plan.playbook("2")
    assert playbook is not None
    first = min(playbook.follow_up, key=lambda f: f.after_days)
    clock.advance(days=first.after_days)
    await escalation.tick(db=cdb, plan=plan)
    rows = [d for d in await deliveries(cdb, nr) if item_of(d.notification).startswith("follow")]
    assert rows and all(first.text in d.text for d in rows)
    assert all("mangler dit svar" not in d.text and not d.actions for d in rows)
    for d in rows:
        if d.channel is ChannelKind.SMS:
            assert fits_one_sms(d.short_text)


async def test_an_english_reader_gets_the_reminder_in_english(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await _activate(cdb, plan)
    for step in range(1, 7):
        await steps.finish(
            db=cdb, plan=plan, incident_id=nr, step_ref=str(step), actor_id=CHIEF, channel="cli"
        )
    async with cdb.transaction() as tx:
        tasks_of_daniel = await tx.tasks.list(nr, assignee=ENGLISH)
    assert tasks_of_daniel  # zone 3 targets; the incident covers every zone
    clock.advance(minutes=15)
    await escalation.tick(db=cdb, plan=plan, limit=1000)
    messages = _messages(await deliveries(cdb, nr), ENGLISH)
    assert messages
    for m in messages:
        assert m.text.startswith("Hello Daniel") and "is not reported done" in m.text
        assert "Opgave" not in m.text
