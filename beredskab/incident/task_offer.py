"""A declined outreach task is offered to the next staff member.

"Next" is the directory's standing assignments read as one ordered list of staff (who
contacts whom, §5): the first staff member after the one who declined, going round, who has
not declined this task before and has no task for the same target already. The leader is
told either way. When the playbook says ``declined_tasks = "wait_for_leader"``, or nobody is
left, the task waits for the leader to hand it on (``tasks.reassign``), as a chief's task
always does.
"""

from __future__ import annotations

from beredskab.catalog.texts import Texts
from beredskab.delivery.notifications import incident_values, notify
from beredskab.incident import situation_log
from beredskab.incident.chief_tasks import tell_assignee
from beredskab.models import EntryKind, Incident, Task, TaskStatus
from beredskab.plan import Plan
from beredskab.storage import Tx
from contacts.models import Person
from playbooks.schema import Playbook, TemplateKind

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""


def staff_order(plan: Plan) -> tuple[str, ...]:
    """Staff members in the order of the directory's standing assignments."""
    return tuple(dict.fromkeys(a.staff for a in plan.directory.assignments))


async def next_staff(tx: Tx, plan: Plan, task: Task) -> Person | None:
    """Who is offered ``task`` after its assignee declined it, or None."""
    order = staff_order(plan)
    at = order.index(task.assignee) if task.assignee in order else -1
    taken = {
        t.assignee
        for t in await tx.tasks.list(task.incident_id)
        if t.target_id == task.target_id and t.number != task.number
    }
    for staff in (*order[at + 1 :], *order[: max(at, 0)]):
        if staff in task.decliners or staff in taken or staff == task.assignee:
            continue
        person = plan.directory.person(staff)
        if person is not None:
            return person
    return None


async def after_decline(
    tx: Tx, *, plan: Plan, playbook: Playbook, incident: Incident, task: Task, who: str
) -> Person | None:
    """Offer a just declined task to the next staff member (or not), and tell the leader.

    ``task`` is the task as declined (its ``assignee`` the one who declined). Returns who it
    was offered to, or None when it waits for the leader."""
    offered = None
    if task.target_id is not None and playbook.declined_tasks == "offer_next":
        offered = await next_staff(tx, plan, task)
    if offered is not None:
        await tx.tasks.update(
            incident.id, task.number, now=tx.now, status=TaskStatus.ASSIGNED, assignee=offered.id
        )
        await situation_log.append(
            tx,
            incident_id=incident.id,
            kind=EntryKind.TASK,
            actor="system",
            text=_t(
                "log.task_offer.offered",
                number=task.number,
                title=task.title,
                name=offered.name,
                who=who,
            ),
        )
        moved = task.model_copy(update={"assignee": offered.id, "status": TaskStatus.ASSIGNED})
        await tell_assignee(
            tx, plan=plan, playbook=playbook, incident=incident, task=moved, person=offered
        )
        what = _t(
            "task.declined_offered",
            number=task.number,
            title=task.title,
            who=who,
            name=offered.name,
        )
    else:
        what = _t("task.declined_waiting", number=task.number, title=task.title, who=who)
    values = incident_values(incident, directory=plan.directory, at=tx.now)
    await notify(
        tx,
        incident=incident,
        playbook=playbook,
        people=plan.directory.with_role(playbook.leader_role),
        kind=TemplateKind.REMINDER,
        values={**values, "opgave": what, "trin": what},
        confirm=False,
    )
    return offered
