"""Tasks the chief defines during an incident (seed §5): a text, an assignee, a due time.

They live like outreach tasks (accept, decline, done with outcome, reassign, reminders; see
``beredskab.incident.tasks``); this module creates them, tells the assignee and times the reminders.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from beredskab.boundary import bounds
from beredskab.boundary.bounds import InputRefusedError
from beredskab.catalog.texts import Texts
from beredskab.delivery.notifications import Extra, incident_values, notify
from beredskab.i18n import LOCAL_TZ, clock
from beredskab.incident import situation_log
from beredskab.incident.lookup import playbook_of, require_open
from beredskab.models import EntryKind, Incident, Task, TaskStatus
from beredskab.plan import Plan
from beredskab.security import access, audit
from beredskab.storage import Database, Tx
from beredskab.storage.repositories.timers import NewTimer, Timer
from contacts.models import Person
from playbooks.schema import Playbook, TemplateKind

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

TASK_TEXT_CHARS = 1000
"""The longest task text the chief can give (it goes out by SMS, chat and email)."""
MAX_DUE_MINUTES = 7 * 24 * 60
"""A due time further ahead than a week is a typing error."""
_CLOCK = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")


def parse_due(value: str, *, now: datetime) -> datetime:
    """A due time from minutes from now ("30") or a Danish clock time ("14:30", next one)."""
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) <= 5:
        minutes = int(value)
        if not 1 <= minutes <= MAX_DUE_MINUTES:
            raise InputRefusedError(
                "the due time must be 1 to {most} minutes ahead", most=MAX_DUE_MINUTES
            )
        return now + timedelta(minutes=minutes)
    clock = _CLOCK.fullmatch(value)
    if clock is None:
        raise InputRefusedError(
            "the due time is minutes from now (30) or a clock time (14:30), not '{value}'",
            value=value[:20],
        )
    local = now.astimezone(LOCAL_TZ)
    due = local.replace(hour=int(clock[1]), minute=int(clock[2]), second=0, microsecond=0)
    if due <= local:
        due += timedelta(days=1)
    return due.astimezone(now.tzinfo)


async def require_leader(
    *, db: Database, plan: Plan, incident_id: int, actor_id: str, action: str, channel: str
) -> Playbook:
    """The open incident's playbook if the actor leads it; an audited refusal if not.

    Dialogues (Telegram) ask this first, so a non-leader is told before typing a task.
    """
    actor = access.person(plan, actor_id)
    async with access.audited(db), db.transaction() as tx:
        incident = await require_open(tx, incident_id)
        playbook = playbook_of(plan, incident)
        access.require_role(
            actor,
            [playbook.leader_role],
            action=action,
            channel=channel,
            what="lead this incident",
            incident_id=incident_id,
        )
    return playbook


async def create(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    actor_id: str,
    assignee_id: str,
    text: str,
    channel: str,
    due: str | None = None,
) -> Task:
    """The leader gives a participant or staff member a task; they are told at once."""
    text = " ".join(bounds.text(text, field="the task text", max_chars=TASK_TEXT_CHARS).split())
    if not text:
        raise InputRefusedError("a task needs a text: what should be done")
    actor = access.person(plan, actor_id)
    assignee = access.person(plan, assignee_id)
    async with access.audited(db), db.transaction() as tx:
        incident = await require_open(tx, incident_id)
        playbook = playbook_of(plan, incident)
        access.require_role(
            actor,
            [playbook.leader_role],
            action="task.create",
            channel=channel,
            what="give tasks",
            incident_id=incident_id,
        )
        due_at = parse_due(due, now=tx.now) if due else None
        task = Task(
            incident_id=incident.id,
            number=await tx.tasks.next_number(incident.id),
            assignee=assignee.id,
            target_id=None,
            target_name=None,
            group_id=None,
            zone=None,
            status=TaskStatus.ASSIGNED,
            outcome=None,
            updated_at=tx.now,
            text=text,
            due_at=due_at,
            created_by=actor.id,
        )
        await tx.tasks.add(task)
        await schedule(tx, playbook=playbook, incident=incident, task=task)
        when = _t("task.due", due=clock(due_at, now=tx.now)) if due_at else ""
        await situation_log.append(
            tx,
            incident_id=incident.id,
            kind=EntryKind.TASK,
            actor=actor.id,
            text=_t(
                "log.chief_tasks.given",
                number=task.number,
                name=assignee.name,
                text=text,
                due=when,
            ),
        )
        await audit.record(
            tx,
            actor=actor.id,
            action="task.create",
            channel=channel,
            incident_id=incident.id,
            detail=f"task {task.number} to {assignee.id}",
        )
        await tell_assignee(
            tx, plan=plan, playbook=playbook, incident=incident, task=task, person=assignee
        )
    return task


async def schedule(tx: Tx, *, playbook: Playbook, incident: Incident, task: Task) -> None:
    """Reminder timers: before the due time and at it, or the plan's interval without one."""
    lead = timedelta(minutes=playbook.escalation.reminder_after_minutes)
    if task.due_at is None:
        timers = [NewTimer("task-due", incident.id, tx.now + lead, ref=task.number)]
    else:
        timers = [NewTimer("task-due", incident.id, task.due_at, ref=task.number)]
        if task.due_at - lead > tx.now:
            timers.append(NewTimer("task-soon", incident.id, task.due_at - lead, ref=task.number))
    await tx.timers.add(timers, now=tx.now)


async def tell_assignee(
    tx: Tx, *, plan: Plan, playbook: Playbook, incident: Incident, task: Task, person: Person
) -> int:
    """Send a task to its assignee: the chief's text and how to answer, or the outreach note."""
    values = incident_values(incident, directory=plan.directory, at=tx.now)
    if task.text is None:
        what = _t("task.outreach_item", number=task.number, title=task.title)
        return await notify(
            tx,
            incident=incident,
            playbook=playbook,
            people=[person],
            kind=TemplateKind.OUTREACH_TASK,
            values={**values, "opgave": what},
        )
    due = _t("task.due", due=clock(task.due_at, now=tx.now)) if task.due_at else ""
    extra = _t("task.chief_message", number=task.number, text=task.text, due=due)
    return await notify(
        tx,
        incident=incident,
        playbook=playbook,
        people=[person],
        kind=TemplateKind.CHIEF_TASK,
        values={**values, "opgave": task.title},
        extra=lambda _person, _language: Extra(text=extra, sms=(extra,), required=True),
    )


async def remind_before_due(
    tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer
) -> str:
    """Timer ``task-soon``: the assignee of an open task is reminded of its due time."""
    task = await tx.tasks.get(incident.id, timer.ref or 0)
    if task is None or task.status not in (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED):
        return "skipped: task settled"
    if task.due_at is None:
        return "skipped: no due time"
    person = plan.directory.person(task.assignee)
    due = clock(task.due_at, now=tx.now)
    what = _t("task.due_soon", number=task.number, title=task.title, due=due)
    await notify(
        tx,
        incident=incident,
        playbook=pb,
        people=[person] if person else [],
        kind=TemplateKind.REMINDER,
        values={
            **incident_values(incident, directory=plan.directory, at=tx.now),
            "trin": what,
            "opgave": what,
        },
        confirm=False,
    )
    await situation_log.append(
        tx,
        incident_id=incident.id,
        kind=EntryKind.NOTIFIED,
        actor="system",
        text=_t(
            "log.chief_tasks.due_soon",
            number=task.number,
            title=task.title,
            due=due,
            name=person.name if person else task.assignee,
        ),
    )
    return "assignee reminded before the due time"
