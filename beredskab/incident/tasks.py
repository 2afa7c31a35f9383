"""Tasks: outreach tasks (which staff member contacts which target) and the chief's tasks.

Outreach tasks are created from the directory's standing assignments, filtered by the
incident's zone; the chief's tasks by ``beredskab.incident.chief_tasks``. Both live alike:
assigned → accepted → done (always with an outcome, "–" when there is nothing to say);
declined → offered to the next staff member (``incident.task_offer``) or reassigned by the
leader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from beredskab.boundary import bounds
from beredskab.boundary.bounds import InputRefusedError
from beredskab.catalog.texts import Texts
from beredskab.delivery.notifications import incident_values, notify
from beredskab.errors import InvalidStateError, NotFoundError, Phrase
from beredskab.incident import acknowledgements, escalation, situation_log, task_offer
from beredskab.incident.chief_tasks import tell_assignee
from beredskab.incident.lookup import playbook_of, require_open
from beredskab.models import EntryKind, Incident, Task, TaskStatus
from beredskab.plan import Plan
from beredskab.security import access, audit
from beredskab.storage import Database, Tx
from playbooks.schema import Playbook, TemplateKind

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""


async def create_from_assignments(
    tx: Tx, *, plan: Plan, playbook: Playbook, incident: Incident, groups: Sequence[str]
) -> list[Task]:
    """Create tasks for the groups' targets in the incident's zone and tell each assignee."""
    directory = plan.directory
    in_zone = {t.id for t in directory.targets_in_zone(incident.zone)}
    existing = {(t.assignee, t.target_id) for t in await tx.tasks.list(incident.id)}
    number = await tx.tasks.next_number(incident.id)
    created: list[Task] = []
    for assignment in directory.assignments:
        for target_id in assignment.targets:
            target = directory.target(target_id)
            if target is None or target.id not in in_zone or target.group not in groups:
                continue
            if (assignment.staff, target.id) in existing:
                continue
            task = Task(
                incident_id=incident.id,
                number=number,
                assignee=assignment.staff,
                target_id=target.id,
                target_name=target.name,
                group_id=target.group,
                zone=target.zone,
                status=TaskStatus.ASSIGNED,
                outcome=None,
                updated_at=tx.now,
            )
            await tx.tasks.add(task)
            existing.add((assignment.staff, target.id))
            created.append(task)
            number += 1
    if not created:
        return created
    await escalation.schedule_tasks(
        tx, playbook=playbook, incident=incident, numbers=[t.number for t in created]
    )
    await situation_log.append(
        tx,
        incident_id=incident.id,
        kind=EntryKind.TASK,
        actor="system",
        text=_t("log.tasks.outreach_created", count=len(created)),
    )
    values = incident_values(incident, directory=plan.directory, at=tx.now)
    for assignee in sorted({t.assignee for t in created}):
        person = directory.person(assignee)
        if person is None:
            continue
        mine = [t for t in created if t.assignee == assignee]
        listed = ", ".join(f"{t.number} {t.target_name}" for t in mine)
        summary = _t("tasks.outreach_summary", count=len(mine), tasks=listed)
        await notify(
            tx,
            incident=incident,
            playbook=playbook,
            people=[person],
            kind=TemplateKind.OUTREACH_TASK,
            values={**values, "opgave": summary},
        )
    return created


@dataclass(frozen=True)
class TaskChange:
    """What a task action did. After a decline ``task`` is the task as its assignee declined
    it, and ``offered_to`` who it was offered to next (None: it waits for the leader)."""

    task: Task
    changed: bool
    offered_to: str | None = None


_TRANSITIONS: dict[TaskStatus, tuple[TaskStatus, ...]] = {
    TaskStatus.ACCEPTED: (TaskStatus.ASSIGNED,),
    TaskStatus.DONE: (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED),
    TaskStatus.DECLINED: (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED),
}
_ENTRY = {
    TaskStatus.ACCEPTED: "log.tasks.accepted",
    TaskStatus.DONE: "log.tasks.done",
    TaskStatus.DECLINED: "log.tasks.declined",
}
"""The log entry of each task action (Danish, the log's language)."""


async def change(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    number: int,
    actor_id: str,
    status: TaskStatus,
    channel: str,
    outcome: str | None = None,
) -> TaskChange:
    """Accept, finish (with outcome) or decline a task. Repeating an action changes nothing."""
    if not bounds.valid_id(number):
        raise NotFoundError("incident {nr} has no task {number}", nr=incident_id, number=number)
    if outcome is not None:
        outcome = bounds.text(outcome, field="the outcome").strip() or None
    actor = access.person(plan, actor_id)
    if status not in _TRANSITIONS:
        raise InvalidStateError("a task cannot be set to '{status}' directly", status=status.value)
    async with access.audited(db), db.transaction() as tx:
        incident = await require_open(tx, incident_id)
        playbook = plan.playbook(incident.playbook_id)
        task = await tx.tasks.get(incident_id, number)
        if task is None:
            raise NotFoundError("incident {nr} has no task {number}", nr=incident_id, number=number)
        leader_role = playbook.leader_role if playbook else "projektchef"
        declined_before = actor.id in task.decliners and task.assignee != actor.id
        if declined_before and status is not TaskStatus.DECLINED:  # a stale button or SMS
            raise InvalidStateError(
                "task {number} was declined and has gone on to {person}",
                number=number,
                person=task.assignee,
            )
        if task.assignee != actor.id and not declined_before:
            access.require_role(
                actor,
                [leader_role],
                action=f"task.{status.value}",
                channel=channel,
                what=Phrase(
                    "change task {number} (assigned to {person})",
                    number=number,
                    person=task.assignee,
                ),
                incident_id=incident_id,
            )
        if task.status == status or declined_before:  # also after it went on to someone else
            declined = task.model_copy(update={"status": status, "assignee": actor.id})
            return TaskChange(task=declined if declined_before else task, changed=False)
        if status is TaskStatus.DONE and outcome is None:
            raise InputRefusedError(
                "task {number} is done with its outcome: say what came of it, or '–' if nothing",
                number=number,
            )
        if task.status not in _TRANSITIONS[status]:
            raise InvalidStateError(
                "task {number} is {status}; it cannot become {wanted}",
                number=number,
                status=task.status.value,
                wanted=status.value,
            )
        decliners = (*task.decliners, task.assignee) if status is TaskStatus.DECLINED else None
        await tx.tasks.update(
            incident_id, number, now=tx.now, status=status, outcome=outcome, declined_by=decliners
        )
        text = _t(_ENTRY[status], number=number, title=task.title, name=actor.name)
        if outcome:
            text += _t("log.tasks.outcome", outcome=outcome)
        await situation_log.append(
            tx, incident_id=incident_id, kind=EntryKind.TASK, actor=actor.id, text=text
        )
        await acknowledgements.confirm_by_action(
            tx,
            incident_id=incident_id,
            person=actor,
            via=channel,
            action=_t("action.change_task", number=number),
        )
        await audit.record(
            tx,
            actor=actor.id,
            action=f"task.{status.value}",
            channel=channel,
            incident_id=incident_id,
            detail=f"task {number}",
        )
        updated = await tx.tasks.get(incident_id, number)
        assert updated is not None
        offered = None
        if status is TaskStatus.DECLINED and playbook is not None:
            offered = await task_offer.after_decline(
                tx, plan=plan, playbook=playbook, incident=incident, task=updated, who=actor.name
            )
    return TaskChange(
        task=updated, changed=True, offered_to=offered.id if offered is not None else None
    )


async def reassign(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    number: int,
    actor_id: str,
    to: str,
    channel: str,
) -> Task:
    """The leader hands a task to another staff member, who is told at once."""
    actor = access.person(plan, actor_id)
    new_assignee = access.person(plan, to)
    async with access.audited(db), db.transaction() as tx:
        incident = await require_open(tx, incident_id)
        playbook = playbook_of(plan, incident)
        access.require_role(
            actor,
            [playbook.leader_role],
            action="task.reassign",
            channel=channel,
            what="reassign tasks",
            incident_id=incident_id,
        )
        task = await tx.tasks.get(incident_id, number)
        if task is None:
            raise NotFoundError("incident {nr} has no task {number}", nr=incident_id, number=number)
        if task.status in (TaskStatus.DONE, TaskStatus.CANCELLED):
            raise InvalidStateError(
                "task {number} is already {status}", number=number, status=task.status.value
            )
        await tx.tasks.update(
            incident_id, number, now=tx.now, status=TaskStatus.ASSIGNED, assignee=new_assignee.id
        )
        await situation_log.append(
            tx,
            incident_id=incident_id,
            kind=EntryKind.TASK,
            actor=actor.id,
            text=_t(
                "log.tasks.reassigned", number=number, title=task.title, name=new_assignee.name
            ),
        )
        updated = await tx.tasks.get(incident_id, number)
        assert updated is not None
        await tell_assignee(
            tx,
            plan=plan,
            playbook=playbook,
            incident=incident,
            task=updated,
            person=new_assignee,
        )
    assert updated is not None
    return updated
