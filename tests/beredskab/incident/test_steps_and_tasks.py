"""Steps run in order and fire their actions once; outreach tasks follow the zone."""

from __future__ import annotations

import pytest

from beredskab.errors import InvalidStateError, NotAuthorisedError, NotFoundError
from beredskab.incident import activation, standdown, steps, tasks
from beredskab.models import StepStatus, TaskStatus
from beredskab.plan import Plan
from beredskab.storage import Database
from tests.beredskab.helpers import CHIEF, POLICE, SSP, deliveries

OUTREACH_STEP = "opsoegende-kontakt"


async def _incident(db: Database, plan: Plan, zone: int | None = 2) -> int:
    result = await activation.activate(
        db=db,
        plan=plan,
        playbook="2",
        actor_id=POLICE,
        channel="cli",
        zone=zone,
        police_case="3700-1",
    )
    return result.incident.id


async def _finish(db: Database, plan: Plan, nr: int, ref: str, *, skip: bool = False) -> None:
    await steps.finish(
        db=db, plan=plan, incident_id=nr, step_ref=ref, actor_id=CHIEF, channel="cli", skip=skip
    )


async def test_steps_follow_the_plan_order(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    playbook = plan.playbook("2")
    assert playbook is not None
    async with db.transaction() as tx:
        listed = await tx.steps.list(nr)
    assert [s.step_id for s in listed] == [s.id for s in playbook.steps]
    await _finish(db, plan, nr, "1")
    async with db.transaction() as tx:
        after = await tx.steps.list(nr)
    assert [s.status for s in after[:3]] == [StepStatus.DONE, StepStatus.ACTIVE, StepStatus.PENDING]
    assert after[0].finished_by == CHIEF


async def test_board_is_notified_by_step_one_and_not_again(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    board = {p.id for p in plan.directory.with_role("bestyrelse")}
    before = [d for d in await deliveries(db, nr) if d.template == "board_orientation"]
    assert {d.person_id for d in before} == board
    await _finish(db, plan, nr, "1")
    after = [d for d in await deliveries(db, nr) if d.template == "board_orientation"]
    assert len(after) == len(before)


async def test_outreach_step_creates_tasks_for_the_zone_once(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan, zone=2)
    await _finish(db, plan, nr, OUTREACH_STEP)  # out of order: actions run when it is done
    async with db.transaction() as tx:
        created = await tx.tasks.list(nr)
    assert created
    assert {t.zone for t in created} <= {2, None}
    assert {t.group_id for t in created} == {g.id for g in plan.playbook("2").outreach_groups}  # type: ignore[union-attr]
    assignees = {t.assignee for t in created}
    notified = {d.person_id for d in await deliveries(db, nr) if d.template == "outreach_task"}
    assert notified == assignees
    with pytest.raises(InvalidStateError, match="already done"):
        await _finish(db, plan, nr, OUTREACH_STEP)


async def test_incident_without_zone_gets_tasks_for_every_zone(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan, zone=None)
    await _finish(db, plan, nr, OUTREACH_STEP)
    async with db.transaction() as tx:
        created = await tx.tasks.list(nr)
    assert {t.zone for t in created} == {1, 2, 3, 4, None}


async def test_skipped_step_runs_no_actions(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    await _finish(db, plan, nr, OUTREACH_STEP, skip=True)
    async with db.transaction() as tx:
        assert await tx.tasks.list(nr) == []


async def test_step_needs_owner_or_leader(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    with pytest.raises(NotAuthorisedError):
        await steps.finish(
            db=db, plan=plan, incident_id=nr, step_ref="1", actor_id=SSP, channel="cli"
        )
    with pytest.raises(NotFoundError, match="no step '99'"):
        await _finish(db, plan, nr, "99")


async def test_task_life_cycle_and_reassignment(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    await _finish(db, plan, nr, OUTREACH_STEP)
    async with db.transaction() as tx:
        task = (await tx.tasks.list(nr))[0]
    other = next(p.id for p in plan.directory.with_role("sekretariat") if p.id != task.assignee)
    with pytest.raises(NotAuthorisedError):
        await tasks.change(
            db=db,
            plan=plan,
            incident_id=nr,
            number=task.number,
            actor_id=other,
            status=TaskStatus.ACCEPTED,
            channel="cli",
        )
    accepted = await tasks.change(
        db=db,
        plan=plan,
        incident_id=nr,
        number=task.number,
        actor_id=task.assignee,
        status=TaskStatus.ACCEPTED,
        channel="cli",
    )
    repeat = await tasks.change(
        db=db,
        plan=plan,
        incident_id=nr,
        number=task.number,
        actor_id=task.assignee,
        status=TaskStatus.ACCEPTED,
        channel="sms",
    )
    assert accepted.changed and not repeat.changed
    declined = await tasks.change(
        db=db,
        plan=plan,
        incident_id=nr,
        number=task.number,
        actor_id=task.assignee,
        status=TaskStatus.DECLINED,
        channel="cli",
    )
    assert declined.task.status is TaskStatus.DECLINED
    leaders = {p.id for p in plan.directory.with_role("projektchef")}
    told = [d for d in await deliveries(db, nr) if d.template == "reminder"]
    assert {d.person_id for d in told} == leaders  # the chief hears at once, to hand it on
    assert all(f"opgave {task.number}" in d.text for d in told)
    moved = await tasks.reassign(
        db=db,
        plan=plan,
        incident_id=nr,
        number=task.number,
        actor_id=CHIEF,
        to=other,
        channel="cli",
    )
    assert moved.assignee == other and moved.status is TaskStatus.ASSIGNED
    done = await tasks.change(
        db=db,
        plan=plan,
        incident_id=nr,
        number=task.number,
        actor_id=other,
        status=TaskStatus.DONE,
        channel="cli",
        outcome="Alle informeret",
    )
    assert done.task.status is TaskStatus.DONE and done.task.outcome == "Alle informeret"
    with pytest.raises(InvalidStateError):
        await tasks.change(
            db=db,
            plan=plan,
            incident_id=nr,
            number=task.number,
            actor_id=other,
            status=TaskStatus.ACCEPTED,
            channel="cli",
        )


async def test_stand_down_notifies_everyone_and_expires_unsent(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    result = await standdown.close(db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")
    rows = await deliveries(db, nr)
    notified = {d.person_id for d in rows if d.template == "activation"}
    stand_down = {d.person_id for d in rows if d.template == "stand_down"}
    assert notified <= stand_down
    assert result.expired == sum(d.status.value == "expired" for d in rows) > 0
    assert result.incident.status.value == "closed"
    with pytest.raises(InvalidStateError):
        await standdown.close(db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")


async def test_stand_down_needs_leader_or_activator(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    with pytest.raises(NotAuthorisedError, match="may not stand down"):
        await standdown.close(db=db, plan=plan, incident_id=nr, actor_id=SSP, channel="cli")


async def test_a_step_notification_is_logged_in_words(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    async with db.transaction() as tx:
        texts = [e.text for e in await tx.log.list(nr)]
    board = plan.directory.with_role("bestyrelse")
    assert (
        f"Trin 1: «Orientering til bestyrelsen: Beredskabsgruppe 2 aktiveret» sendt til "
        f"Medlem af den boligsociale bestyrelse: {len(board)} personer."
    ) in texts
