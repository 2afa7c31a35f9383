"""Who counts as confirmed: acting in the incident confirms, and a confirmed person is never
re-sent the alert, phoned, replaced by a deputy or listed as missing (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from beredskab import communications
from beredskab.app import App
from beredskab.delivery.notifications import fits_one_sms
from beredskab.incident import acknowledgements, activation, escalation, situation_log, steps, tasks
from beredskab.models import ConfirmationStatus, Delivery, TaskStatus
from beredskab.plan import Plan
from beredskab.storage import Database
from notifier.types import ChannelKind
from tests.beredskab.helpers import CHIEF, POLICE, SSP, STAFF, deliveries
from tests.beredskab.inbound.test_sms_commands import activate as sms_activate
from tests.beredskab.inbound.test_sms_commands import app, sms
from tests.conftest import TestClock

__all__ = ["app"]

DEPUTY_OF_CHIEF = "karen-hald"
BASE = "https://beredskab.example.dk"


@pytest.fixture
async def cdb(db_url: str, clock: TestClock) -> AsyncIterator[Database]:
    database = Database(db_url, clock=clock)
    await database.upgrade()
    yield database
    await database.dispose()


async def _activate(db: Database, plan: Plan) -> int:
    result = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=POLICE, channel="sms", police_case="3700-55"
    )
    return result.incident.id


async def _status(db: Database, nr: int, person: str) -> ConfirmationStatus | None:
    async with db.transaction() as tx:
        row = await tx.incidents.confirmation(nr, person)
    return row.status if row else None


async def _log(db: Database, nr: int) -> list[str]:
    async with db.transaction() as tx:
        return [e.text for e in await tx.log.list(nr)]


async def _finish_step(db: Database, plan: Plan, nr: int, step: int = 1) -> None:
    await steps.finish(
        db=db, plan=plan, incident_id=nr, step_ref=str(step), actor_id=CHIEF, channel="web"
    )


async def _write_log(db: Database, plan: Plan, nr: int) -> None:
    await situation_log.add_entry(
        db=db,
        plan=plan,
        incident_id=nr,
        actor_id=CHIEF,
        text="Politiet er på stedet.",
        channel="web",
    )


async def _approve(db: Database, plan: Plan, nr: int) -> None:
    item = await communications.draft(
        db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="web", audience="partners"
    )
    await communications.approve(
        db=db, plan=plan, incident_id=nr, communication_id=item.id, actor_id=CHIEF, channel="web"
    )


ACTIONS: dict[str, tuple[Callable[[Database, Plan, int], Awaitable[None]], str]] = {
    "step": (_finish_step, "afslutte trin 1"),
    "log": (_write_log, "skrive i loggen"),
    "approval": (_approve, "behandle krisekommunikation"),
}


@pytest.mark.parametrize("action", list(ACTIONS))
async def test_an_action_in_the_incident_confirms_the_chief_once(
    cdb: Database, plan: Plan, action: str
) -> None:
    nr = await _activate(cdb, plan)
    assert await _status(cdb, nr, CHIEF) is ConfirmationStatus.PENDING
    act, words = ACTIONS[action]
    await act(cdb, plan, nr)
    assert await _status(cdb, nr, CHIEF) is ConfirmationStatus.CONFIRMED
    await _write_log(cdb, plan, nr)  # a second action changes nothing
    entries = [t for t in await _log(cdb, nr) if "bekræftet ved at" in t]
    assert len(entries) == 1
    assert entries[0].startswith(f"Maria Friis bekræftet ved at {words}")


async def test_a_task_change_confirms_the_staff_member_who_has_it(
    cdb: Database, plan: Plan
) -> None:
    nr = await _activate(cdb, plan)
    for step in range(1, 7):  # up to and including the outreach step, which creates the tasks
        await _finish_step(cdb, plan, nr, step)
    async with cdb.transaction() as tx:
        mine = await tx.tasks.list(nr, assignee=STAFF)
    assert mine and await _status(cdb, nr, STAFF) is ConfirmationStatus.PENDING  # convened
    await tasks.change(
        db=cdb,
        plan=plan,
        incident_id=nr,
        number=mine[0].number,
        actor_id=STAFF,
        status=TaskStatus.ACCEPTED,
        channel="telegram",
    )
    assert await _status(cdb, nr, STAFF) is ConfirmationStatus.CONFIRMED
    assert any(
        t.startswith(f"Amira Hassan bekræftet ved at ændre opgave {mine[0].number}")
        for t in await _log(cdb, nr)
    )


async def test_acting_leaves_a_decline_and_a_closed_incident_alone(
    cdb: Database, plan: Plan
) -> None:
    nr = await _activate(cdb, plan)
    await acknowledgements.record(
        db=cdb, plan=plan, incident_id=nr, person_id=SSP, via="sms", decline=True
    )
    ssp = plan.directory.person(SSP)
    assert ssp is not None
    async with cdb.transaction() as tx:
        changed = await acknowledgements.confirm_by_action(
            tx, incident_id=nr, person=ssp, via="web", action="åbne hændelsessiden"
        )
    assert not changed and await _status(cdb, nr, SSP) is ConfirmationStatus.DECLINED


def _to(rows: list[Delivery], person: str, template: str) -> list[Delivery]:
    return [d for d in rows if d.person_id == person and d.template == template]


async def test_the_chief_who_approves_a_communication_is_never_phoned_replaced_or_listed(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    """Seen: she approved and sent a communication, was phoned a minute later, her deputy
    was pulled in and she was on her own missing list."""
    nr = await _activate(cdb, plan)
    clock.advance(minutes=1)
    await _approve(cdb, plan, nr)
    for _ in range(4):  # renotify (10), deputy (20), missing list (30), and beyond
        clock.advance(minutes=10)
        await escalation.tick(db=cdb, plan=plan, link_base=BASE)
    rows = await deliveries(cdb, nr)
    reminders = _to(rows, CHIEF, "reminder")
    assert not [d for d in reminders if d.actions]  # the alert is not re-sent to her
    assert all("Trin" in d.text and "mangler dit svar" not in d.text for d in reminders)
    assert not [d for d in rows if d.person_id == CHIEF and d.channel is ChannelKind.VOICE]
    async with cdb.transaction() as tx:
        asked = {c.person_id: c.reason for c in await tx.incidents.confirmations(nr)}
    assert asked.get(DEPUTY_OF_CHIEF) != f"deputy:{CHIEF}"
    lists = _to(rows, CHIEF, "escalation")
    assert lists and all("Mangler stadig:" in d.text for d in lists)
    assert all("Maria Friis" not in d.text.split("Mangler stadig:")[1] for d in lists)
    # The escalation sweeps passed her by: neither re-sent nor replaced in the log.
    assert not [t for t in await _log(cdb, nr) if t.startswith("Maria Friis har ikke bekræftet")]


async def test_the_missing_list_names_only_the_unconfirmed_and_never_its_reader(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await _activate(cdb, plan)
    await acknowledgements.record(db=cdb, plan=plan, incident_id=nr, person_id=SSP, via="sms")
    clock.advance(minutes=30)
    await escalation.tick(db=cdb, plan=plan, limit=1000, link_base=BASE)
    async with cdb.transaction() as tx:
        pending = {
            c.person_id
            for c in await tx.incidents.confirmations(nr)
            if c.status is ConfirmationStatus.PENDING
        }
    [email] = [
        d
        for d in _to(await deliveries(cdb, nr), CHIEF, "escalation")
        if d.channel is ChannelKind.EMAIL or d.channel is ChannelKind.SMS
    ]
    listed = email.text.split("Mangler stadig:")[1]
    for person in plan.directory.people:
        if person.id == CHIEF or person.id not in pending:
            assert person.name not in listed, person.name
        else:
            assert person.name in listed, person.name
    assert f"{BASE}/haendelse/{nr}" in email.text


async def test_the_escalation_sms_is_one_segment_with_more_and_a_link(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await _activate(cdb, plan)
    clock.advance(minutes=30)
    await escalation.tick(db=cdb, plan=plan, limit=1000, link_base=BASE)
    [sms] = [
        d
        for d in _to(await deliveries(cdb, nr), CHIEF, "escalation")
        if d.channel is ChannelKind.SMS
    ]
    assert fits_one_sms(sms.short_text), sms.short_text
    assert sms.short_text.endswith(f"{BASE}/haendelse/{nr}")
    assert "flere." in sms.short_text and "Mangler:" in sms.short_text
    assert "Maria Friis" not in sms.short_text.split("Mangler:")[1]


async def test_a_deputy_reads_whom_she_replaces_and_when_it_started(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await _activate(cdb, plan)  # 03:00 Danish time (02:00 UTC)
    clock.advance(minutes=20)
    await escalation.tick(db=cdb, plan=plan, limit=1000)
    rows = _to(await deliveries(cdb, nr), DEPUTY_OF_CHIEF, "activation")
    assert rows
    for row in rows:
        assert "Maria Friis" in row.text and "stedfortræder" in row.text
        assert "kl. 03:00" in row.text and "03:20" not in row.text
    [sms] = [d for d in rows if d.channel is ChannelKind.SMS]
    assert "stedfortræder for Maria Friis" in sms.short_text and fits_one_sms(sms.short_text)


async def test_a_log_entry_by_sms_confirms_and_silences_the_escalation(
    app: App, clock: TestClock
) -> None:
    nr = await sms_activate(app)
    assert (await sms(app, SSP, "LOG Politiet er ankommet.")).startswith(f"log: incident {nr}")
    assert await _status(app.db, nr, SSP) is ConfirmationStatus.CONFIRMED
    clock.advance(minutes=30)
    await escalation.tick(db=app.db, plan=app.plan, limit=1000)
    rows = await deliveries(app.db, nr)
    assert not [d for d in rows if d.person_id == SSP and d.template == "reminder"]
    lists = [d for d in rows if d.template == "escalation"]
    assert lists and all("Sara Lund" not in d.text for d in lists)
