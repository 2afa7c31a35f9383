"""A declined outreach task goes to the next staff member in the standing assignments, never
back to someone who declined it; the chief is told; with nobody left, or when the playbook
says so, it waits for the chief."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

from beredskab.incident import activation, steps, tasks
from beredskab.models import Task, TaskStatus
from beredskab.plan import Plan, load_plan
from beredskab.storage import Database
from tests.beredskab.helpers import CHIEF, POLICE, deliveries

AMIRA, MIKKEL, DANIEL = "amira-hassan", "mikkel-juhl", "daniel-okafor"
"""The first three staff members of the example's standing assignments (zones 1, 2, 3)."""


async def _zone_1_task(db: Database, plan: Plan) -> tuple[int, Task]:
    result = await activation.activate(
        db=db,
        plan=plan,
        playbook="2",
        actor_id=POLICE,
        channel="cli",
        zone=1,
        police_case="3700-1",
    )
    nr = result.incident.id
    await steps.finish(
        db=db,
        plan=plan,
        incident_id=nr,
        step_ref="opsoegende-kontakt",
        actor_id=CHIEF,
        channel="cli",
    )
    async with db.transaction() as tx:
        task = next(t for t in await tx.tasks.list(nr) if t.assignee == AMIRA)
    return nr, task


async def _decline(db: Database, plan: Plan, nr: int, number: int, who: str) -> tasks.TaskChange:
    return await tasks.change(
        db=db,
        plan=plan,
        incident_id=nr,
        number=number,
        actor_id=who,
        status=TaskStatus.DECLINED,
        channel="cli",
    )


async def _task(db: Database, nr: int, number: int) -> Task:
    async with db.transaction() as tx:
        task = await tx.tasks.get(nr, number)
    assert task is not None
    return task


async def _log(db: Database, nr: int) -> list[str]:
    async with db.transaction() as tx:
        return [e.text for e in await tx.log.list(nr)]


async def test_a_declined_task_is_offered_to_the_next_staff_member(
    db: Database, plan: Plan
) -> None:
    nr, task = await _zone_1_task(db, plan)
    declined = await _decline(db, plan, nr, task.number, AMIRA)
    assert declined.changed and declined.offered_to == MIKKEL
    assert declined.task.status is TaskStatus.DECLINED  # as Amira left it
    now = await _task(db, nr, task.number)
    assert (now.status, now.assignee, now.decliners) == (TaskStatus.ASSIGNED, MIKKEL, (AMIRA,))
    sent = await deliveries(db, nr)
    offer = [d for d in sent if d.person_id == MIKKEL and d.template == "outreach_task"]
    assert offer and all(task.target_name in d.text for d in offer if d.channel.value != "sms")
    told = [d for d in sent if d.template == "reminder" and d.person_id == CHIEF]
    assert told and all("tilbudt Mikkel Juhl" in d.text for d in told if d.channel.value == "email")
    assert any(
        f"Opgave {task.number} ({task.target_name}) er tilbudt Mikkel Juhl, næste i "
        "kontaktlisten, da Amira Hassan afslog." == t
        for t in await _log(db, nr)
    )

    again = await _decline(db, plan, nr, task.number, AMIRA)  # her SMS "NEJ" arrives twice
    assert not again.changed and again.offered_to is None
    assert (await _task(db, nr, task.number)).assignee == MIKKEL

    onward = await _decline(db, plan, nr, task.number, MIKKEL)
    assert onward.offered_to == DANIEL  # never back to Amira
    assert (await _task(db, nr, task.number)).decliners == (AMIRA, MIKKEL)


async def test_with_nobody_left_the_task_waits_for_the_chief(db: Database, plan: Plan) -> None:
    nr, task = await _zone_1_task(db, plan)
    staff = list(dict.fromkeys(a.staff for a in plan.directory.assignments))
    who = AMIRA
    for _ in staff[1:]:
        who = (await _decline(db, plan, nr, task.number, who)).offered_to or ""
        assert who
    last = await _decline(db, plan, nr, task.number, who)
    assert last.offered_to is None
    now = await _task(db, nr, task.number)
    assert now.status is TaskStatus.DECLINED and set(now.decliners) == set(staff)
    told = [d for d in await deliveries(db, nr) if d.template == "reminder"]
    assert any("giv den videre" in d.text for d in told if d.person_id == CHIEF)
    moved = await tasks.reassign(
        db=db,
        plan=plan,
        incident_id=nr,
        number=task.number,
        actor_id=CHIEF,
        to=AMIRA,
        channel="cli",
    )
    assert moved.assignee == AMIRA and moved.status is TaskStatus.ASSIGNED


async def test_a_playbook_may_say_to_wait_for_the_chief(db: Database, tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    shutil.copytree(Path(str(files("playbooks") / "plans")), plans)
    text = (plans / "gruppe-2.toml").read_text(encoding="utf-8")
    (plans / "gruppe-2.toml").write_text(
        'declined_tasks = "wait_for_leader"\n' + text, encoding="utf-8"
    )
    plan = load_plan(playbooks_dir=plans, directory_file=None)
    nr, task = await _zone_1_task(db, plan)
    declined = await _decline(db, plan, nr, task.number, AMIRA)
    assert declined.offered_to is None
    assert (await _task(db, nr, task.number)).status is TaskStatus.DECLINED
