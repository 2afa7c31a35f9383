"""Escalation and reminders on durable timers, in controlled time (no sleeping)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from beredskab.incident import acknowledgements, escalation, standdown, steps
from beredskab.models import ConfirmationStatus
from beredskab.plan import Plan
from beredskab.storage import Database
from notifier.types import ChannelKind
from tests.beredskab.helpers import CHIEF, SSP, activate_2, deliveries, log_texts
from tests.conftest import TestClock


@pytest.fixture
async def cdb(db_url: str, clock: TestClock) -> AsyncIterator[Database]:
    database = Database(db_url, clock=clock)
    await database.upgrade()
    yield database
    await database.dispose()


async def _confirmations(db: Database, nr: int) -> dict[str, ConfirmationStatus]:
    async with db.transaction() as tx:
        return {c.person_id: c.status for c in await tx.incidents.confirmations(nr)}


async def test_a_participant_who_never_answers_is_chased_on_schedule(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await activate_2(cdb, plan)
    async with cdb.transaction() as tx:
        participants = {
            c.person_id
            for c in await tx.incidents.confirmations(nr)
            if c.reason == "participant" and c.status is ConfirmationStatus.PENDING
        }
    await acknowledgements.record(db=cdb, plan=plan, incident_id=nr, person_id=SSP, via="sms")
    silent = participants - {SSP}

    clock.advance(minutes=9, seconds=59)
    await escalation.tick(db=cdb, plan=plan)
    assert not [d for d in await deliveries(cdb, nr) if d.template == "reminder"]  # never early

    clock.advance(seconds=1)
    await escalation.tick(db=cdb, plan=plan)
    reminders = [d for d in await deliveries(cdb, nr) if d.template == "reminder"]
    assert {d.person_id for d in reminders} == silent  # SSP answered in time: not chased
    voice = {d.person_id for d in reminders if d.channel is ChannelKind.VOICE}
    assert voice == {p for p in silent if plan.directory.person(p).phone}  # type: ignore[union-attr]
    assert await escalation.tick(db=cdb, plan=plan) == 0  # never twice
    assert all("{" not in d.text for d in reminders)  # every placeholder filled

    clock.advance(minutes=10)
    await escalation.tick(db=cdb, plan=plan)
    confirmations = await _confirmations(cdb, nr)
    asked = {p.deputy for p in plan.directory.people if p.id in silent and p.deputy}
    assert asked and asked <= set(confirmations)
    log = await log_texts(cdb, nr)
    assert any("stedfortræder" in t and "træde til" in t for t in log)

    clock.advance(minutes=10)
    await escalation.tick(db=cdb, plan=plan)
    leaders = {p.id for p in plan.directory.with_role("projektchef")}
    lists = [d for d in await deliveries(cdb, nr) if d.template == "escalation"]
    assert {d.person_id for d in lists} == leaders  # one list to the chief, not one per person
    still_missing = {
        p for p, s in (await _confirmations(cdb, nr)).items() if s is ConfirmationStatus.PENDING
    }
    some_missing = plan.directory.person(sorted(still_missing)[0])
    assert some_missing is not None
    assert all("Mangler stadig" in d.text and some_missing.name in d.text for d in lists)


async def test_an_ack_committed_before_the_timer_cancels_it(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await activate_2(cdb, plan)
    clock.advance(minutes=10)
    # The ack and the tick race; whichever commits first wins, never both.
    await asyncio.gather(
        acknowledgements.record(db=cdb, plan=plan, incident_id=nr, person_id=SSP, via="sms"),
        escalation.tick(db=cdb, plan=plan),
    )
    reminded = {d.person_id for d in await deliveries(cdb, nr) if d.template == "reminder"}
    ssp = plan.directory.person(SSP)
    assert ssp is not None
    async with cdb.transaction() as tx:
        ack = await tx.incidents.confirmation(nr, SSP)
    assert ack is not None and ack.status is ConfirmationStatus.CONFIRMED
    chased = [t for t in await log_texts(cdb, nr) if t.startswith(f"{ssp.name} har ikke bekræftet")]
    # The tick committed first (the reminder predates the ack, logged once) or the ack did
    # (nothing sent, nothing logged): never both, never twice.
    assert len(chased) == (1 if SSP in reminded else 0)
    # After a committed ack, no later escalation for that person does anything.
    clock.advance(minutes=30)
    await escalation.tick(db=cdb, plan=plan)
    async with cdb.transaction() as tx:
        reasons = {c.reason for c in await tx.incidents.confirmations(nr)}
    assert f"deputy:{SSP}" not in reasons
    assert [t for t in await log_texts(cdb, nr) if t.startswith(f"{ssp.name} har")] == chased


async def test_timers_due_while_the_service_was_down_fire_at_the_next_tick(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await activate_2(cdb, plan)
    clock.advance(hours=2)  # the service was down
    fired = await escalation.tick(db=cdb, plan=plan, limit=1000)
    assert fired > 0
    async with cdb.transaction() as tx:
        timers = await tx.timers.for_incident(nr)
    due = [t for t in timers if t.due_at <= clock.now]
    assert due and all(t.fired_at == clock.now for t in due)
    assert all("late" in (t.outcome or "") for t in due)  # misfires are reported, not skipped
    assert await escalation.tick(db=cdb, plan=plan) == 0


async def test_overdue_step_reminds_the_owner_then_the_chief(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await activate_2(cdb, plan)
    async with cdb.transaction() as tx:
        first = (await tx.steps.list(nr))[0]
    clock.now = first.due_at
    await escalation.tick(db=cdb, plan=plan)
    log = await log_texts(cdb, nr)
    assert any(f"Trin {first.position}" in t and "over fristen" in t for t in log)
    clock.advance(minutes=15)
    await escalation.tick(db=cdb, plan=plan)
    assert any(
        f"Trin {first.position}" in t and "projektchefen er orienteret" in t
        for t in await log_texts(cdb, nr)
    )


async def test_finished_step_and_stand_down_silence_their_timers(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await activate_2(cdb, plan)
    await steps.finish(
        db=cdb, plan=plan, incident_id=nr, step_ref="1", actor_id=CHIEF, channel="cli"
    )
    await standdown.close(db=cdb, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")
    before = len(await deliveries(cdb, nr))
    clock.advance(hours=3)
    assert await escalation.tick(db=cdb, plan=plan) == 0  # all retired at stand-down
    assert len(await deliveries(cdb, nr)) == before
    async with cdb.transaction() as tx:
        outcomes = {t.outcome for t in await tx.timers.for_incident(nr) if t.kind != "follow-up"}
    assert outcomes == {"stood down"}
    assert not any(e for e in await log_texts(cdb, nr) if "over fristen" in e)


async def test_two_instances_fire_each_timer_exactly_once(db_url: str, plan: Plan) -> None:
    clock = TestClock()
    instances = [Database(db_url, clock=clock) for _ in range(2)]
    await instances[0].upgrade()
    try:
        nr = await activate_2(instances[0], plan)
        clock.advance(hours=1)
        counts = await asyncio.gather(
            *(escalation.tick(db=d, plan=plan, limit=3) for d in instances * 10)
        )
        async with instances[0].transaction() as tx:
            timers = await tx.timers.for_incident(nr)
        assert sum(counts) == len([t for t in timers if t.fired_at is not None])
        reminders = [  # the re-sent alerts (step reminders ask for nothing)
            d for d in await deliveries(instances[0], nr) if d.template == "reminder" and d.actions
        ]
        per_person: dict[tuple[str, ChannelKind], int] = {}
        for d in reminders:
            per_person[(d.person_id, d.channel)] = per_person.get((d.person_id, d.channel), 0) + 1
        assert per_person and set(per_person.values()) == {1}
    finally:
        for d in instances:
            await d.dispose()


async def test_stand_down_schedules_the_playbooks_follow_ups(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await activate_2(cdb, plan)
    await standdown.close(db=cdb, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")
    playbook = plan.playbook("2")
    assert playbook is not None and playbook.follow_up
    first = min(playbook.follow_up, key=lambda f: f.after_days)
    clock.advance(days=first.after_days, seconds=-1)
    assert await escalation.tick(db=cdb, plan=plan) == 0  # never early
    clock.advance(seconds=1)
    assert await escalation.tick(db=cdb, plan=plan) >= 1
    log = await log_texts(cdb, nr)
    assert any(t.startswith(f"Opfølgning: {first.text}") for t in log)
    reminded = {d.person_id for d in await deliveries(cdb, nr) if d.template == "reminder"}
    assert reminded == {p.id for p in plan.directory.with_role(first.role)}
    clock.advance(days=30)
    await escalation.tick(db=cdb, plan=plan)
    async with cdb.transaction() as tx:
        follow_ups = [t for t in await tx.timers.for_incident(nr) if t.kind == "follow-up"]
    assert len(follow_ups) == len(playbook.follow_up)
    assert all((t.outcome or "").startswith("follow-up reminded") for t in follow_ups)


async def test_a_burst_is_fired_in_chunks_and_a_shutdown_stops_between_them(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await activate_2(cdb, plan)
    clock.advance(hours=2)  # every timer of the activation is due
    async with cdb.transaction() as tx:
        due = [t for t in await tx.timers.for_incident(nr) if t.due_at <= clock.now]
    assert len(due) > 6
    commits: list[int] = []
    fired = await escalation.tick(
        db=cdb,
        plan=plan,
        limit=3,
        chunks=100,
        stopping=lambda: len(commits) == 2,  # the service is told to stop after two chunks
        after_chunk=commits.append,
    )
    assert commits == [3, 3] and fired == 6
    async with cdb.transaction() as tx:
        left = [t for t in await tx.timers.for_incident(nr) if t.fired_at is None]
    assert len(left) >= len(due) - 6
    rest = await escalation.tick(db=cdb, plan=plan, limit=3, chunks=100)  # after the restart
    async with cdb.transaction() as tx:
        timers = await tx.timers.for_incident(nr)
    assert all(t.fired_at is not None for t in timers if t.due_at <= clock.now)
    # The sweep escalates at most a chunk's worth of people per firing and goes on in a
    # continuation timer (created now, due at the moment it resumes): one more row each.
    continued = [t for t in timers if t.kind == "sweep" and t.created_at == clock.now]
    assert fired + rest == len(due) + len([t for t in continued if t.fired_at is not None])
    assert await escalation.tick(db=cdb, plan=plan, limit=3, chunks=100) == 0  # never twice
