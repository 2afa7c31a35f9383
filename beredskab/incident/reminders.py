"""Reminders that say what they are about, at most one per item and person per interval.

A reminder is about one item: the alert a person has not confirmed (``confirm``, the only
reminder that says "vi mangler dit svar" and asks for OK), a step (``step-<position>``: the
step, its owner and how late it is), a task (``task-<number>``: the task and who has it) or
a follow-up after the stand-down (``follow-up-<index>``: the playbook's own text). The item is
part of the message's notification key; a person already reminded about the same item within
the playbook's ``reminder_after_minutes`` is not reminded again (coalescing), whichever timer
fires. The timers call the handlers here; ``escalation`` dispatches to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from beredskab.catalog.texts import Texts
from beredskab.delivery.notifications import incident_values, item_of, notify
from beredskab.i18n import LANGUAGES, clock
from beredskab.incident import situation_log
from beredskab.models import EntryKind, Incident, Step, StepStatus, Task, TaskStatus
from beredskab.plan import Plan
from beredskab.storage import Tx
from beredskab.storage.repositories.timers import NewTimer, Timer
from contacts.models import Person
from playbooks.schema import Playbook, TemplateKind

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

CONFIRM = "confirm"
"""The item of the escalation's re-sent alert."""


def _both(key: str, **values: object) -> dict[str, str]:
    """A text in Danish and English (what ``remind`` takes)."""
    return {language: _t(key, language, **values) for language in LANGUAGES}


def confirm_text(nr: int) -> dict[str, str]:
    """What the re-sent alert asks, per language."""
    return _both("reminder.confirm", nr=nr)


def _late(delta: timedelta, language: str) -> str:
    """ "7 min", "1 t 5 min" ("1 h 5 min" in English)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _t("reminder.late_minutes", language, minutes=minutes)
    key = "reminder.late_hours_minutes" if rest else "reminder.late_hours"
    return _t(key, language, hours=hours, minutes=rest)


def step_text(plan: Plan, step: Step, now: datetime) -> dict[str, str]:
    """A step reminder, per language: the step, its owner and how late it is (the step's
    title last, so the SMS cuts the title, not the facts)."""
    role = plan.directory.role(step.owner_role)
    owner = role.name if role else step.owner_role
    due = clock(step.due_at, now=now)
    late = now - step.due_at
    values = {"position": step.position, "due": due, "owner": owner, "title": step.title}
    if late < timedelta(minutes=1):
        return _both("reminder.step_due", **values)
    return {
        language: _t("reminder.step_late", language, late=_late(late, language), **values)
        for language in LANGUAGES
    }


def task_text(plan: Plan, task: Task) -> dict[str, str]:
    """A task reminder, per language: the task and who has it."""
    person = plan.directory.person(task.assignee)
    who = person.name if person else task.assignee
    return _both("reminder.task", number=task.number, who=who, title=task.title)


async def remind(
    tx: Tx,
    *,
    plan: Plan,
    playbook: Playbook,
    incident: Incident,
    people: Sequence[Person],
    item: str,
    text: dict[str, str],
    confirm: bool = False,
    call: bool = False,
) -> tuple[int, list[Person]]:
    """Remind ``people`` about ``item`` unless reminded about it within the playbook's
    reminder interval; (messages queued, people left out because they were)."""
    since = tx.now - timedelta(minutes=playbook.escalation.reminder_after_minutes)
    recent = {
        person_id
        for person_id, key in await tx.deliveries.sent_since(
            incident.id, [p.id for p in people], template=TemplateKind.REMINDER.value, since=since
        )
        if item_of(key) == item
    }
    due = [p for p in people if p.id not in recent]
    values = incident_values(incident, directory=plan.directory)
    sent = await notify(
        tx,
        incident=incident,
        playbook=playbook,
        people=due,
        kind=TemplateKind.REMINDER,
        values={**values, "trin": text["da"], "opgave": text["da"]},
        values_en={"trin": text["en"], "opgave": text["en"]},
        confirm=confirm,
        call=call,
        item=item,
    )
    return sent, [p for p in people if p.id in recent]


def _names(people: Sequence[Person]) -> str:
    return ", ".join(p.name for p in people) or _t("log.reminders.nobody")


def _coalesced(skipped: Sequence[Person]) -> str:
    return _t("log.reminders.coalesced", names=_names(skipped)) if skipped else ""


async def _log(tx: Tx, incident: Incident, text: str) -> None:
    await situation_log.append(
        tx, incident_id=incident.id, kind=EntryKind.NOTIFIED, actor="system", text=text
    )


async def _open_step(tx: Tx, incident: Incident, timer: Timer) -> Step | None:
    step = next((s for s in await tx.steps.list(incident.id) if s.position == timer.ref), None)
    if step is None or step.status in (StepStatus.DONE, StepStatus.SKIPPED):
        return None
    return step


async def step_due(tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer) -> str:
    """A step reached its due time unfinished: remind its owner; the leader follows."""
    step = await _open_step(tx, incident, timer)
    if step is None:
        return "skipped: step finished"
    owners = plan.directory.with_role(step.owner_role)
    _, skipped = await remind(
        tx,
        plan=plan,
        playbook=pb,
        incident=incident,
        people=owners,
        item=f"step-{step.position}",
        text=step_text(plan, step, tx.now),
    )
    due = tx.now + timedelta(minutes=pb.escalation.reminder_after_minutes)
    await tx.timers.add([NewTimer("step-overdue", incident.id, due, ref=step.position)], now=tx.now)
    await _log(
        tx,
        incident,
        _t(
            "log.reminders.step_owner",
            position=step.position,
            title=step.title,
            names=_names(owners),
            coalesced=_coalesced(skipped),
        ),
    )
    return "owner reminded"


async def step_overdue(tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer) -> str:
    """A step is still unfinished one reminder interval after its due time: tell the leader."""
    step = await _open_step(tx, incident, timer)
    if step is None:
        return "skipped: step finished"
    _, skipped = await remind(
        tx,
        plan=plan,
        playbook=pb,
        incident=incident,
        people=plan.directory.with_role(pb.leader_role),
        item=f"step-{step.position}",
        text=step_text(plan, step, tx.now),
    )
    await _log(
        tx,
        incident,
        _t(
            "log.reminders.step_leader",
            position=step.position,
            title=step.title,
            coalesced=_coalesced(skipped),
        ),
    )
    return "leader told"


async def _open_task(tx: Tx, incident: Incident, timer: Timer) -> Task | None:
    task = await tx.tasks.get(incident.id, timer.ref or 0)
    if task is None or task.status not in (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED):
        return None
    return task


async def task_due(tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer) -> str:
    """A task is not reported done in time: remind whoever has it; the leader follows."""
    task = await _open_task(tx, incident, timer)
    if task is None:
        return "skipped: task settled"
    person = plan.directory.person(task.assignee)
    _, skipped = await remind(
        tx,
        plan=plan,
        playbook=pb,
        incident=incident,
        people=[person] if person else [],
        item=f"task-{task.number}",
        text=task_text(plan, task),
    )
    due = tx.now + timedelta(minutes=pb.escalation.reminder_after_minutes)
    await tx.timers.add([NewTimer("task-overdue", incident.id, due, ref=task.number)], now=tx.now)
    await _log(
        tx,
        incident,
        _t(
            "log.reminders.task_assignee",
            number=task.number,
            title=task.title,
            name=person.name if person else task.assignee,
            coalesced=_coalesced(skipped),
        ),
    )
    return "assignee reminded"


async def task_overdue(tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer) -> str:
    """A task is still open one reminder interval later: tell the leader."""
    task = await _open_task(tx, incident, timer)
    if task is None:
        return "skipped: task settled"
    _, skipped = await remind(
        tx,
        plan=plan,
        playbook=pb,
        incident=incident,
        people=plan.directory.with_role(pb.leader_role),
        item=f"task-{task.number}",
        text=task_text(plan, task),
    )
    await _log(
        tx,
        incident,
        _t(
            "log.reminders.task_leader",
            number=task.number,
            title=task.title,
            coalesced=_coalesced(skipped),
        ),
    )
    return "leader told"


async def follow_up(tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer) -> str:
    """After the stand-down: remind a role of one of the playbook's follow-ups, in its words."""
    if timer.ref is None or timer.ref >= len(pb.follow_up):
        return "skipped: follow-up no longer in the plan"
    follow = pb.follow_up[timer.ref]
    people = plan.directory.with_role(follow.role)
    await remind(
        tx,
        plan=plan,
        playbook=pb,
        incident=incident,
        people=people,
        item=f"follow-up-{timer.ref}",
        text={"da": follow.text, "en": follow.text},
    )
    await _log(tx, incident, _t("log.reminders.follow_up", text=follow.text, role=follow.role))
    return f"follow-up reminded {len(people)}"
