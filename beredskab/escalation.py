"""Escalation and reminders from the playbook's policy, on durable timers.

At activation every participant who has not confirmed gets two timers: after
``renotify_after_minutes`` the alert is sent again on all their channels with a voice call;
after ``deputy_after_minutes`` their deputy is asked. After ``report_missing_after_minutes``
the leader gets one list of who is still missing. Overdue steps and outreach tasks remind
their owner, then the leader. A timer checks the state when it fires, inside the same
transaction that marks it fired: an acknowledgement committed before cancels it, and no
timer fires twice, even with two service instances on one PostgreSQL (SKIP LOCKED).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from beredskab import situation_log
from beredskab.incident import chief_tasks, police_case
from beredskab.models import (
    ConfirmationStatus,
    EntryKind,
    Incident,
    IncidentStatus,
    StepStatus,
    TaskStatus,
)
from beredskab.notifications import incident_values, notify
from beredskab.plan import Plan
from beredskab.storage import Database, Tx, is_transient
from beredskab.storage.repositories.timers import NewTimer, Timer
from contacts.models import Person
from playbooks.schema import Playbook, TemplateKind

log = logging.getLogger(__name__)
LATE = timedelta(minutes=1)
"""A timer firing later than this (the service was down) says so in the log."""


async def schedule_confirmations(
    tx: Tx, *, playbook: Playbook, incident: Incident, people: Sequence[Person]
) -> None:
    """Escalation timers for people just asked to confirm (and the missing-list report)."""
    policy = playbook.escalation
    timers = [
        NewTimer(kind, incident.id, tx.now + timedelta(minutes=minutes), person_id=p.id)
        for p in people
        for kind, minutes in (
            ("renotify", policy.renotify_after_minutes),
            ("deputy", policy.deputy_after_minutes),
        )
    ]
    existing = {t.kind for t in await tx.timers.for_incident(incident.id) if t.fired_at is None}
    if people and "report-missing" not in existing:
        due = tx.now + timedelta(minutes=policy.report_missing_after_minutes)
        timers.append(NewTimer("report-missing", incident.id, due))
    await tx.timers.add(timers, now=tx.now)


async def schedule_follow_ups(tx: Tx, *, playbook: Playbook, incident: Incident) -> None:
    """At stand-down: one timer per follow-up of the playbook (evaluation meeting, …)."""
    await tx.timers.add(
        [
            NewTimer("follow-up", incident.id, tx.now + timedelta(days=f.after_days), ref=i)
            for i, f in enumerate(playbook.follow_up)
        ],
        now=tx.now,
    )


async def ask_deputy(
    tx: Tx, *, plan: Plan, playbook: Playbook, incident: Incident, person: Person
) -> Person | None:
    """Ask a person's deputy to step in (confirmation row, alert, escalation timers);
    the deputy if newly asked, None if there is none or they were asked already."""
    deputy = plan.directory.person(person.deputy) if person.deputy else None
    if deputy is None or not await tx.incidents.add_confirmations(
        incident.id, [deputy.id], reason=f"deputy:{person.id}", now=tx.now
    ):
        return None
    await notify(
        tx,
        incident=incident,
        playbook=playbook,
        people=[deputy],
        kind=TemplateKind.ACTIVATION,
        values=_values(plan, incident, tx),
    )
    await schedule_confirmations(tx, playbook=playbook, incident=incident, people=[deputy])
    return deputy


async def schedule_steps(tx: Tx, *, incident: Incident, positions: Sequence[int]) -> None:
    """A due-time timer for each of these steps."""
    steps = {s.position: s for s in await tx.steps.list(incident.id)}
    await tx.timers.add(
        [NewTimer("step-due", incident.id, steps[p].due_at, ref=p) for p in positions],
        now=tx.now,
    )


async def schedule_tasks(
    tx: Tx, *, playbook: Playbook, incident: Incident, numbers: Sequence[int]
) -> None:
    """A reminder timer for each new outreach task."""
    due = tx.now + timedelta(minutes=playbook.escalation.reminder_after_minutes)
    await tx.timers.add(
        [NewTimer("task-due", incident.id, due, ref=n) for n in numbers], now=tx.now
    )


async def tick(
    *,
    db: Database,
    plan: Plan,
    limit: int = 100,
    chunks: int = 1,
    stopping: Callable[[], bool] | None = None,
    after_chunk: Callable[[int], None] | None = None,
) -> int:
    """Fire due timers once each (by the database clock); returns how many fired.

    Works in up to ``chunks`` transactions of at most ``limit`` timers, so a burst of
    thousands never holds one long transaction, and checks ``stopping()`` between chunks:
    a shutdown waits at most for the chunk in progress (cancelling it rolls that chunk
    back; its timers fire after the restart). ``after_chunk(fired)`` runs after each commit.
    """
    fired = 0
    for _ in range(chunks):
        if stopping is not None and stopping():
            break
        claimed, done = await _tick_chunk(db, plan, limit)
        fired += done
        if done and after_chunk is not None:
            after_chunk(done)
        if claimed < limit:
            break
    return fired


async def _tick_chunk(db: Database, plan: Plan, limit: int) -> tuple[int, int]:
    """One transaction: claim up to ``limit`` due timers and fire them; (claimed, fired)."""
    fired = 0
    async with db.transaction() as tx:
        due = await tx.timers.claim_due(now=tx.now, limit=limit)
        for timer in due:
            try:
                async with tx.savepoint():
                    await tx.incidents.lock(timer.incident_id)  # one lock order: no deadlocks
                    outcome = await _fire(tx, plan, timer)
            except Exception as exc:  # one broken timer must not block the others; it is retried
                if is_transient(exc):
                    raise  # the database went away: the whole chunk rolls back and is retried
                log.exception("timer %s (%s) failed; retrying next tick", timer.id, timer.kind)
                continue
            if tx.now - timer.due_at > LATE:
                outcome += f" (fired {int((tx.now - timer.due_at).total_seconds() // 60)} min late)"
            fired += await tx.timers.fired(timer.id, now=tx.now, outcome=outcome[:500])
    return len(due), fired


async def _fire(tx: Tx, plan: Plan, timer: Timer) -> str:
    incident = await tx.incidents.get(timer.incident_id)
    playbook = plan.playbook(incident.playbook_id) if incident else None
    if incident is None or playbook is None:
        return "skipped: incident or playbook gone"
    if timer.kind == "follow-up":  # the only timer that belongs to the time after stand-down
        return await _follow_up(tx, plan, playbook, incident, timer)
    if incident.status is not IncidentStatus.ACTIVE:
        return "skipped: incident closed"
    handler = {
        "renotify": _renotify,
        "deputy": _deputy,
        "report-missing": _report_missing,
        "step-due": _step_due,
        "step-overdue": _step_overdue,
        "task-due": _task_due,
        "task-overdue": _task_overdue,
        "task-soon": chief_tasks.remind_before_due,
        police_case.TIMER: police_case.remind,
    }[timer.kind]
    return await handler(tx, plan, playbook, incident, timer)


async def _pending(tx: Tx, incident: Incident, person_id: str | None) -> bool:
    row = await tx.incidents.confirmation(incident.id, person_id or "")
    return row is not None and row.status is ConfirmationStatus.PENDING


async def _log(tx: Tx, incident: Incident, text: str) -> None:
    await situation_log.append(
        tx, incident_id=incident.id, kind=EntryKind.NOTIFIED, actor="system", text=text
    )


def _values(plan: Plan, incident: Incident, tx: Tx) -> dict[str, str]:
    return incident_values(incident, directory=plan.directory, at=tx.now)


async def _renotify(tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer) -> str:
    person = plan.directory.person(timer.person_id or "")
    if person is None or not await _pending(tx, incident, timer.person_id):
        return "skipped: answered"
    sent = await notify(
        tx,
        incident=incident,
        playbook=pb,
        people=[person],
        kind=TemplateKind.REMINDER,
        values={**_values(plan, incident, tx), "trin": "bekræft, at du har set alarmen"},
        confirm=True,
        call=True,
    )
    minutes = pb.escalation.renotify_after_minutes
    await _log(
        tx,
        incident,
        f"{person.name} har ikke bekræftet efter {minutes} min: sendt igen "
        f"på alle kanaler og ringet op ({sent} beskeder).",
    )
    return f"renotified ({sent} messages)"


async def _deputy(tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer) -> str:
    person = plan.directory.person(timer.person_id or "")
    if person is None or not await _pending(tx, incident, timer.person_id):
        return "skipped: answered"
    if not person.deputy:
        await _log(tx, incident, f"{person.name} har ikke bekræftet og har ingen stedfortræder.")
        return "no deputy"
    deputy = await ask_deputy(tx, plan=plan, playbook=pb, incident=incident, person=person)
    if deputy is None:
        return "deputy already asked"
    await _log(
        tx,
        incident,
        f"{person.name} har ikke bekræftet efter "
        f"{pb.escalation.deputy_after_minutes} min: stedfortræder {deputy.name} er bedt om "
        "at træde til.",
    )
    return f"deputy {deputy.id} asked"


async def _report_missing(
    tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer
) -> str:
    missing = [
        c.person_id
        for c in await tx.incidents.confirmations(incident.id)
        if c.status is ConfirmationStatus.PENDING
    ]
    if not missing:
        return "skipped: everyone answered"
    names = ", ".join(p.name for p in plan.directory.people if p.id in set(missing))
    leaders = plan.directory.with_role(pb.leader_role)
    await notify(
        tx,
        incident=incident,
        playbook=pb,
        people=leaders,
        kind=TemplateKind.ESCALATION,
        values=_values(plan, incident, tx),
        confirm=False,
        extra=f"Mangler stadig: {names}.",
    )
    await _log(
        tx, incident, f"Projektchefen har fået listen over dem, der ikke har bekræftet: {names}."
    )
    return f"{len(missing)} missing reported"


async def _remind(
    tx: Tx, plan: Plan, pb: Playbook, incident: Incident, people: Sequence[Person], what: str
) -> int:
    return await notify(
        tx,
        incident=incident,
        playbook=pb,
        people=people,
        kind=TemplateKind.REMINDER,
        values={**_values(plan, incident, tx), "trin": what, "opgave": what},
        confirm=False,
    )


async def _step_due(tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer) -> str:
    step = next((s for s in await tx.steps.list(incident.id) if s.position == timer.ref), None)
    if step is None or step.status in (StepStatus.DONE, StepStatus.SKIPPED):
        return "skipped: step finished"
    await _remind(tx, plan, pb, incident, plan.directory.with_role(step.owner_role), step.title)
    due = tx.now + timedelta(minutes=pb.escalation.reminder_after_minutes)
    await tx.timers.add([NewTimer("step-overdue", incident.id, due, ref=step.position)], now=tx.now)
    await _log(
        tx,
        incident,
        f"Trin {step.position} ({step.title}) er over fristen: {step.owner_role} er mindet om det.",
    )
    return "owner reminded"


async def _step_overdue(tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer) -> str:
    step = next((s for s in await tx.steps.list(incident.id) if s.position == timer.ref), None)
    if step is None or step.status in (StepStatus.DONE, StepStatus.SKIPPED):
        return "skipped: step finished"
    await _remind(tx, plan, pb, incident, plan.directory.with_role(pb.leader_role), step.title)
    await _log(
        tx,
        incident,
        f"Trin {step.position} ({step.title}) er stadig ikke udført: projektchefen er orienteret.",
    )
    return "leader told"


async def _task_due(tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer) -> str:
    task = await tx.tasks.get(incident.id, timer.ref or 0)
    if task is None or task.status not in (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED):
        return "skipped: task settled"
    person = plan.directory.person(task.assignee)
    what = f"opgave {task.number}: {task.title}"
    await _remind(tx, plan, pb, incident, [person] if person else [], what)
    due = tx.now + timedelta(minutes=pb.escalation.reminder_after_minutes)
    await tx.timers.add([NewTimer("task-overdue", incident.id, due, ref=task.number)], now=tx.now)
    await _log(
        tx,
        incident,
        f"Opgave {task.number} ({task.title}) er ikke meldt udført: "
        f"{person.name if person else task.assignee} er mindet om den.",
    )
    return "assignee reminded"


async def _task_overdue(tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer) -> str:
    task = await tx.tasks.get(incident.id, timer.ref or 0)
    if task is None or task.status not in (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED):
        return "skipped: task settled"
    what = f"opgave {task.number}: {task.title} ({task.assignee})"
    await _remind(tx, plan, pb, incident, plan.directory.with_role(pb.leader_role), what)
    await _log(
        tx,
        incident,
        f"Opgave {task.number} ({task.title}) er stadig åben: projektchefen er orienteret.",
    )
    return "leader told"


async def _follow_up(tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer) -> str:
    if timer.ref is None or timer.ref >= len(pb.follow_up):
        return "skipped: follow-up no longer in the plan"
    follow = pb.follow_up[timer.ref]
    people = plan.directory.with_role(follow.role)
    await _remind(tx, plan, pb, incident, people, follow.text)
    await _log(tx, incident, f"Opfølgning: {follow.text} ({follow.role} er mindet om det).")
    return f"follow-up reminded {len(people)}"
