"""The plan's rules at activation: drills vs real incidents, the police case, upgrades."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from beredskab.incident import activation, escalation, police_case, steps
from beredskab.models import ConfirmationStatus, EntryKind, IncidentStatus, TaskStatus
from beredskab.plan import Plan
from beredskab.storage import Database
from tests.beredskab.helpers import CHIEF, POLICE, SSP, deliveries
from tests.conftest import TestClock

ENGLISH = "daniel-okafor"
SECRETARIAT_LEADER = "karen-hald"


@pytest.fixture
async def cdb(db_url: str, clock: TestClock) -> AsyncIterator[Database]:
    database = Database(db_url, clock=clock)
    await database.upgrade()
    yield database
    await database.dispose()


async def test_a_real_activation_during_a_drill_opens_a_real_incident_and_halts_the_drill(
    cdb: Database, plan: Plan
) -> None:
    drill = await activation.activate(
        db=cdb, plan=plan, playbook="2", actor_id=CHIEF, channel="cli", drill=True
    )
    # step 1 done: the staff (one of them reads English) is called out in the drill too
    await steps.finish(
        db=cdb,
        plan=plan,
        incident_id=drill.incident.id,
        step_ref="1",
        actor_id=CHIEF,
        channel="cli",
    )
    drill_people = {d.person_id for d in await deliveries(cdb, drill.incident.id)}
    assert ENGLISH in drill_people
    real = await activation.activate(
        db=cdb,
        plan=plan,
        playbook="gruppe-2",
        actor_id=POLICE,
        channel="cli",
        description="RIGTIG: skud ved torvet",
        police_case="3700-55",
    )
    assert not real.joined and not real.incident.drill
    assert real.incident.id != drill.incident.id
    assert real.halted is not None and real.halted.id == drill.incident.id
    text = activation.summary(real)
    assert f"Hændelse {real.incident.id} oprettet" in text and "ikke øvelse" in text
    assert f"øvelse {drill.incident.id} er afbrudt" in text
    # real alerts go out as usual, without ØVELSE
    alerts = [d for d in await deliveries(cdb, real.incident.id) if d.template == "activation"]
    assert alerts and not any(d.text.startswith("ØVELSE") for d in alerts)
    assert SSP in {d.person_id for d in alerts}
    async with cdb.transaction() as tx:
        halted = await tx.incidents.get(drill.incident.id)
        log = await tx.log.list(drill.incident.id)
        timers = await tx.timers.for_incident(drill.incident.id)
        tasks = await tx.tasks.list(drill.incident.id)
        audit = await tx.audit.list()
    assert halted is not None and halted.status is IncidentStatus.CLOSED
    assert log[-1].kind is EntryKind.CLOSED
    assert "ØVELSE AFBRUDT – der er en rigtig hændelse" in log[-1].text
    assert all(t.fired_at is not None for t in timers)
    assert all(t.status not in (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED) for t in tasks)
    assert any(a.action == "drill.halt" for a in audit)
    rows = await deliveries(cdb, drill.incident.id)
    halt_msgs = {d.person_id: d for d in rows if "AFBRUDT" in d.text or "HALTED" in d.text}
    assert set(halt_msgs) == drill_people  # everyone reached by the drill, once each
    assert halt_msgs[SSP].short_text.startswith("ØVELSE AFBRUDT - der er en rigtig hændelse")
    assert halt_msgs[ENGLISH].short_text.startswith("DRILL HALTED - there is a real incident")
    # no normal stand-down message to the drill's people, and nothing of the drill still queued
    assert not [d for d in rows if "afsluttet" in d.subject]
    halt_ids = {d.id for d in halt_msgs.values()}
    assert not [d for d in rows if d.id not in halt_ids and d.status.value == "queued"]
    assert all(d.template == "stand_down" and not d.actions for d in halt_msgs.values())


async def test_a_drill_cannot_start_while_a_real_incident_of_the_group_is_open(
    db: Database, plan: Plan
) -> None:
    real = await activation.activate(
        db=db, plan=plan, playbook="1", actor_id=CHIEF, channel="cli", description="rigtig"
    )
    with pytest.raises(activation.RealIncidentOpen) as refused:
        await activation.activate(
            db=db, plan=plan, playbook="1", actor_id=SSP, channel="cli", drill=True
        )
    assert str(refused.value) == (
        f"incident {real.incident.id} (Beredskabsgruppe 1) is running; "
        "a drill cannot be started now"
    )
    assert refused.value.template.startswith("incident {nr} ({group}) is running")
    async with db.transaction() as tx:
        assert len(await tx.incidents.recent()) == 1
    # a drill of the other group is fine
    other = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=CHIEF, channel="cli", drill=True
    )
    assert other.incident.drill and not other.joined


async def test_activations_of_the_same_kind_join(db: Database, plan: Plan) -> None:
    drill = await activation.activate(
        db=db, plan=plan, playbook="1", actor_id=CHIEF, channel="cli", drill=True
    )
    again = await activation.activate(
        db=db, plan=plan, playbook="1", actor_id=SSP, channel="sms", drill=True
    )
    assert again.joined and again.incident.id == drill.incident.id
    assert activation.summary(again).startswith(
        f"Beredskabsgruppe 1 kører allerede som ØVELSE {drill.incident.id}"
    )
    async with db.transaction() as tx:
        ssp = await tx.incidents.confirmation(drill.incident.id, SSP)
    assert ssp is not None and ssp.status is ConfirmationStatus.CONFIRMED


async def test_group2_needs_the_journal_number_or_an_explicit_pending(
    db: Database, plan: Plan
) -> None:
    with pytest.raises(police_case.PoliceCaseRequired, match="--police-case-pending"):
        await activation.activate(db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli")
    async with db.transaction() as tx:
        assert await tx.incidents.recent() == []
    with pytest.raises(police_case.NoPoliceCase, match="upgrade to group 2 with `upgrade`"):
        await activation.activate(
            db=db, plan=plan, playbook="1", actor_id=CHIEF, channel="cli", police_case="3700-1"
        )
    result = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case_pending=True
    )
    assert result.police_case_missing
    assert "journalnummer mangler" in activation.summary(result)
    async with db.transaction() as tx:
        log = await tx.log.list(result.incident.id)
        timers = await tx.timers.for_incident(result.incident.id)
    assert "journalnr. mangler" in log[0].text
    assert [t.kind for t in timers].count(police_case.TIMER) == 1


async def test_the_activator_and_leader_are_reminded_until_the_number_is_recorded(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    result = await activation.activate(
        db=cdb, plan=plan, playbook="2", actor_id=POLICE, channel="sms", police_case_pending=True
    )
    nr = result.incident.id

    def reminders(rows: list) -> list:  # type: ignore[type-arg]
        return [d for d in rows if d.template == "police_case_reminder"]

    clock.advance(minutes=14)
    await escalation.tick(db=cdb, plan=plan)
    assert not reminders(await deliveries(cdb, nr))
    clock.advance(minutes=1, seconds=1)
    await escalation.tick(db=cdb, plan=plan)
    first = reminders(await deliveries(cdb, nr))
    assert {d.person_id for d in first} == {POLICE, CHIEF}
    assert "JOURNAL" in first[0].short_text and len(first[0].short_text) <= 160
    clock.advance(minutes=15, seconds=1)
    await escalation.tick(db=cdb, plan=plan)
    assert len(reminders(await deliveries(cdb, nr))) == 4
    # any route that records the number stops the reminders (here: a join carrying it)
    joined = await activation.activate(
        db=cdb, plan=plan, playbook="2", actor_id=CHIEF, channel="cli", police_case="3700-77"
    )
    assert joined.joined and joined.incident.police_case == "3700-77"
    assert not joined.police_case_missing
    clock.advance(minutes=15, seconds=1)
    await escalation.tick(db=cdb, plan=plan)
    assert len(reminders(await deliveries(cdb, nr))) == 4
    async with cdb.transaction() as tx:
        timers = [t for t in await tx.timers.for_incident(nr) if t.kind == police_case.TIMER]
        log = await tx.log.list(nr)
        audit = [a for a in await tx.audit.list() if a.action == "incident.police_case"]
    assert all(t.fired_at is not None for t in timers)
    assert timers[-1].outcome.startswith("skipped: journal number recorded")
    correction = [e for e in log if e.kind is EntryKind.CORRECTION]
    assert correction and "3700-77" in correction[0].text
    activated = next(e for e in log if e.kind is EntryKind.ACTIVATED)
    assert correction[0].corrects == activated.seq  # the entry that lacked the number
    assert audit and audit[0].allowed and audit[0].actor == CHIEF


async def test_a_join_with_a_different_number_is_logged_not_dropped(
    db: Database, plan: Plan
) -> None:
    first = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case="3700-1"
    )
    again = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=CHIEF, channel="cli", police_case="3700-2"
    )
    assert again.joined and again.incident.police_case == "3700-1"
    async with db.transaction() as tx:
        log = await tx.log.list(first.incident.id)
    assert log[-1].kind is EntryKind.NOTE  # nothing was changed, so it corrects nothing
    assert "3700-2" in log[-1].text and "3700-1" in log[-1].text


async def test_an_activator_outside_the_participants_is_confirmed_and_gets_a_receipt(
    db: Database, plan: Plan
) -> None:
    result = await activation.activate(
        db=db, plan=plan, playbook="1", actor_id=SECRETARIAT_LEADER, channel="cli"
    )
    async with db.transaction() as tx:
        row = await tx.incidents.confirmation(result.incident.id, SECRETARIAT_LEADER)
        log = await tx.log.list(result.incident.id)
    assert row is not None and row.status is ConfirmationStatus.CONFIRMED
    mine = [d for d in await deliveries(db, result.incident.id) if d.person_id == row.person_id]
    assert len(mine) == 1 and not mine[0].actions and "Svar OK" not in mine[0].text
    notified = next(e for e in log if e.kind is EntryKind.NOTIFIED and "i alt" in e.text)
    total = len(await deliveries(db, result.incident.id))
    assert f"{total} beskeder i kø i alt" in notified.text
    assert result.messages == total


async def test_an_upgrade_needs_the_number_and_reaches_everyone(db: Database, plan: Plan) -> None:
    first = await activation.activate(
        db=db, plan=plan, playbook="1", actor_id=SSP, channel="cli", description="uro"
    )
    nr = first.incident.id
    reached_before = {d.person_id for d in await deliveries(db, nr)}
    with pytest.raises(police_case.PoliceCaseRequired):
        await activation.upgrade(
            db=db, plan=plan, incident_id=nr, to_playbook="2", actor_id=CHIEF, channel="cli"
        )
    before = len(await deliveries(db, nr))
    upgraded = await activation.upgrade(
        db=db,
        plan=plan,
        incident_id=nr,
        to_playbook="2",
        actor_id=CHIEF,
        channel="cli",
        police_case="3700-55",
    )
    rows = (await deliveries(db, nr))[before:]
    group2 = {p.id for p in plan.directory.with_any_role(plan.playbooks.playbooks[1].participants)}
    requests = {d.person_id for d in rows if d.template == "activation"}
    notices = {d.person_id for d in rows if d.template == "upgrade"}
    # every group-2 participant but the upgrader gets the group-2 request, also SSP (asked for
    # group 1 already); everyone else already notified gets the upgrade notice
    assert requests == group2 - {CHIEF}
    assert SSP in requests and POLICE in requests
    assert notices == reached_before - requests - {CHIEF}
    request = next(d for d in rows if d.template == "activation" and d.person_id == SSP)
    assert "opgraderet fra Beredskabsgruppe 1 til Beredskabsgruppe 2" in request.text
    assert "3700-55" in request.text
    assert upgraded.messages == len(rows)
    assert set(upgraded.asked) == {plan.directory.person(p).name for p in requests}  # type: ignore[union-attr]
    async with db.transaction() as tx:
        log = await tx.log.list(nr)
        pending = await tx.incidents.confirmation(nr, POLICE)
    named = next(e for e in log if e.kind is EntryKind.NOTIFIED and "bedt om at bekræfte" in e.text)
    assert "Kim Holm" in named.text and "Sara Lund" in named.text
    assert pending is not None and pending.status is ConfirmationStatus.PENDING
    # a second upgrade asks nobody again
    async with db.transaction() as tx:
        asked = await tx.incidents.asked_for(nr)
    assert all("gruppe-2" in asked[p] for p in requests)


async def test_an_upgrade_with_the_number_pending_reminds(db: Database, plan: Plan) -> None:
    first = await activation.activate(db=db, plan=plan, playbook="1", actor_id=CHIEF, channel="cli")
    upgraded = await activation.upgrade(
        db=db,
        plan=plan,
        incident_id=first.incident.id,
        to_playbook="2",
        actor_id=CHIEF,
        channel="cli",
        police_case_pending=True,
    )
    assert upgraded.police_case_missing
    async with db.transaction() as tx:
        kinds = [t.kind for t in await tx.timers.for_incident(first.incident.id)]
    assert police_case.TIMER in kinds


async def test_an_upgrade_to_a_group_with_an_open_drill_halts_the_drill(
    db: Database, plan: Plan
) -> None:
    drill = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=CHIEF, channel="cli", drill=True
    )
    real = await activation.activate(
        db=db, plan=plan, playbook="1", actor_id=CHIEF, channel="cli", description="uro"
    )
    assert real.halted is None  # a real group 1 leaves the group 2 drill alone
    upgraded = await activation.upgrade(
        db=db,
        plan=plan,
        incident_id=real.incident.id,
        to_playbook="gruppe-2",
        actor_id=POLICE,
        channel="cli",
        police_case="3700-56",
    )
    assert upgraded.halted is not None and upgraded.halted.id == drill.incident.id
    async with db.transaction() as tx:
        halted = await tx.incidents.get(drill.incident.id)
        open_real = await tx.incidents.open_for_playbook("gruppe-2", drill=False)
    assert halted is not None and halted.status is IncidentStatus.CLOSED
    assert open_real is not None and open_real.id == real.incident.id
    rows = await deliveries(db, drill.incident.id)
    assert any("ØVELSE AFBRUDT" in d.text for d in rows)


async def test_a_drill_cannot_be_upgraded_into_a_group_whose_real_incident_runs(
    db: Database, plan: Plan
) -> None:
    real = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case="3700-57"
    )
    drill = await activation.activate(
        db=db, plan=plan, playbook="1", actor_id=CHIEF, channel="cli", drill=True
    )
    with pytest.raises(activation.RealIncidentOpen) as refused:
        await activation.upgrade(
            db=db,
            plan=plan,
            incident_id=drill.incident.id,
            to_playbook="gruppe-2",
            actor_id=CHIEF,
            channel="cli",
        )
    assert f"incident {real.incident.id}" in str(refused.value)
    async with db.transaction() as tx:
        still = await tx.incidents.get(drill.incident.id)
    assert still is not None and still.playbook_id == "gruppe-1" and still.drill
