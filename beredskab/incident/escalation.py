"""Escalation and reminders from the playbook's policy, on durable timers.

Every participant asked to confirm is escalated while they have not: after
``renotify_after_minutes`` the alert is sent again on all their channels with a voice call;
after ``deputy_after_minutes`` their deputy is asked (the deputy's alert names whom she
replaces). One "sweep" timer per incident does both for everyone due (``incident.sweep``);
the per-person "renotify" and "deputy" timers of incidents started before migration 0015
still fire here. After ``report_missing_after_minutes`` each leader gets one list of who is
still missing — never themselves, never anyone confirmed — in one SMS segment (names cut with
"+N flere" and a link to the incident page). Overdue steps and tasks remind their owner, then
the leader (``incident.reminders``: each reminder names its item, coalesced per item).

A timer checks the state when it fires, inside the same transaction that marks it fired: a
confirmation committed before — by answering or by acting in the incident
(``acknowledgements``) — cancels it, and no timer fires twice, even with two service
instances on one PostgreSQL (SKIP LOCKED). Only follow-ups fire after the stand-down.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from functools import partial

from beredskab.catalog.texts import Texts
from beredskab.delivery.notifications import (
    Extra,
    incident_url,
    incident_values,
    names_with_more,
    notify,
)
from beredskab.incident import chief_tasks, police_case, reminders, situation_log, sweep
from beredskab.incident.sweep import ask_deputy as ask_deputy
from beredskab.incident.sweep import schedule_confirmations as schedule_confirmations
from beredskab.models import ConfirmationStatus, EntryKind, Incident, IncidentStatus, Step
from beredskab.observability.logs import ids, log_context
from beredskab.plan import Plan
from beredskab.storage import Database, Tx, is_transient
from beredskab.storage.repositories.timers import NewTimer, Timer
from contacts.models import Person
from playbooks.schema import Playbook, TemplateKind

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

log = logging.getLogger(__name__)
LATE = timedelta(minutes=1)
"""A timer firing later than this (the service was down) says so in the log."""


async def schedule_follow_ups(tx: Tx, *, playbook: Playbook, incident: Incident) -> None:
    """At stand-down: one timer per follow-up of the playbook (evaluation meeting, …)."""
    await tx.timers.add(
        [
            NewTimer("follow-up", incident.id, tx.now + timedelta(days=f.after_days), ref=i)
            for i, f in enumerate(playbook.follow_up)
        ],
        now=tx.now,
    )


async def schedule_steps(tx: Tx, *, incident: Incident, steps: Sequence[Step]) -> None:
    """A due-time timer for each of these (new) steps."""
    await tx.timers.add(
        [NewTimer("step-due", incident.id, s.due_at, ref=s.position) for s in steps],
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
    link_base: str | None = None,
    fired_late: Callable[[str, float], None] | None = None,
) -> int:
    """Fire due timers once each (by the database clock); returns how many fired.

    ``link_base`` (the public base URL) makes the missing-list link to the incident page.
    ``fired_late(kind, seconds)`` is told how late each fired timer was, once committed.

    Works in up to ``chunks`` transactions of at most ``limit`` timers, so a burst of
    thousands never holds one long transaction, and checks ``stopping()`` between chunks:
    a shutdown waits at most for the chunk in progress (cancelling it rolls that chunk
    back; its timers fire after the restart). ``after_chunk(fired)`` runs after each commit.
    """
    fired = 0
    for _ in range(chunks):
        if stopping is not None and stopping():
            break
        claimed, done = await _tick_chunk(db, plan, limit, link_base, fired_late)
        fired += done
        if done and after_chunk is not None:
            after_chunk(done)
        if claimed < limit:
            break
    return fired


async def _tick_chunk(
    db: Database,
    plan: Plan,
    limit: int,
    link_base: str | None,
    fired_late: Callable[[str, float], None] | None = None,
) -> tuple[int, int]:
    """One transaction: claim up to ``limit`` due timers and fire them; (claimed, fired)."""
    fired = 0
    lateness: list[tuple[str, float]] = []
    budget = sweep.Budget(left=limit)  # people the chunk's sweeps may escalate
    async with db.transaction() as tx:
        due = await tx.timers.claim_due(now=tx.now, limit=limit)
        for timer in due:
            try:
                async with tx.savepoint():
                    await tx.incidents.lock(timer.incident_id)  # one lock order: no deadlocks
                    with log_context(incident=timer.incident_id):  # its handler's log lines
                        outcome = await _fire(tx, plan, timer, link_base, budget)
            except Exception as exc:  # one broken timer must not block the others; it is retried
                if is_transient(exc):
                    raise  # the database went away: the whole chunk rolls back and is retried
                log.exception(
                    "timer %s (%s) failed; retrying next tick",
                    timer.id,
                    timer.kind,
                    extra=ids(incident=timer.incident_id),
                )
                continue
            if tx.now - timer.due_at > LATE:
                outcome += f" (fired {int((tx.now - timer.due_at).total_seconds() // 60)} min late)"
            done = await tx.timers.fired(timer.id, now=tx.now, outcome=outcome[:500])
            fired += done
            if done:
                lateness.append((timer.kind, (tx.now - timer.due_at).total_seconds()))
    if fired_late is not None:  # committed
        for kind, seconds in lateness:
            fired_late(kind, seconds)
    return (limit if budget.exhausted else len(due)), fired


Handler = Callable[[Tx, Plan, Playbook, Incident, Timer], Awaitable[str]]


async def _fire(
    tx: Tx, plan: Plan, timer: Timer, link_base: str | None, budget: sweep.Budget
) -> str:
    incident = await tx.incidents.get(timer.incident_id)
    playbook = plan.playbook(incident.playbook_id) if incident else None
    if incident is None or playbook is None:
        return "skipped: incident or playbook gone"
    if timer.kind == "follow-up":  # the only timer that belongs to the time after stand-down
        return await reminders.follow_up(tx, plan, playbook, incident, timer)
    if incident.status is not IncidentStatus.ACTIVE:
        return "skipped: incident closed"
    handlers: dict[str, Handler] = {
        sweep.SWEEP: partial(sweep.run, budget=budget),
        "renotify": _renotify,
        "deputy": _deputy,
        "report-missing": partial(_report_missing, link_base=link_base),
        "step-due": reminders.step_due,
        "step-overdue": reminders.step_overdue,
        "task-due": reminders.task_due,
        "task-overdue": reminders.task_overdue,
        "task-soon": chief_tasks.remind_before_due,
        police_case.TIMER: police_case.remind,
    }
    return await handlers[timer.kind](tx, plan, playbook, incident, timer)


async def _pending(tx: Tx, incident: Incident, person_id: str | None) -> bool:
    """True while the person's confirmation is still outstanding (read at fire time)."""
    row = await tx.incidents.confirmation(incident.id, person_id or "")
    return row is not None and row.status is ConfirmationStatus.PENDING


async def _log(tx: Tx, incident: Incident, text: str) -> None:
    await situation_log.append(
        tx, incident_id=incident.id, kind=EntryKind.NOTIFIED, actor="system", text=text
    )


def _values(plan: Plan, incident: Incident, tx: Tx) -> dict[str, str]:
    return incident_values(incident, directory=plan.directory, at=tx.now)


async def _renotify(tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer) -> str:
    """A per-person "renotify" timer from before migration 0015."""
    person = plan.directory.person(timer.person_id or "")
    if person is None or not await _pending(tx, incident, timer.person_id):
        return "skipped: answered"
    return await sweep.renotify(tx, plan=plan, playbook=pb, incident=incident, person=person)


async def _deputy(tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer) -> str:
    """A per-person "deputy" timer from before migration 0015."""
    person = plan.directory.person(timer.person_id or "")
    if person is None or not await _pending(tx, incident, timer.person_id):
        return "skipped: answered"
    return await sweep.deputise(tx, plan=plan, playbook=pb, incident=incident, person=person)


def _missing_extra(names: Sequence[str], url: str) -> Callable[[Person, str], Extra]:
    """The missing list under the escalation: in full in the long form, cut with "+N flere"
    and followed by the incident page's link in the SMS, so that it stays one segment."""

    def extra(_: Person, language: str) -> Extra:
        link = f"\n{url}" if url else ""
        lead, more = _t("escalation.missing_lead", language), _t("escalation.more", language)
        return Extra(
            _t("escalation.missing", language, names=", ".join(names), link=link),
            tuple(names_with_more(names, lead=lead, tail=url, more=more)),
        )

    return extra


async def _report_missing(
    tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer, *, link_base: str | None
) -> str:
    pending = {
        c.person_id
        for c in await tx.incidents.confirmations(incident.id)
        if c.status is ConfirmationStatus.PENDING
    }
    missing = [p for p in plan.directory.people if p.id in pending]
    reported: list[str] = []
    for leader in plan.directory.with_role(pb.leader_role):
        names = [p.name for p in missing if p.id != leader.id]  # never on her own list
        if not names:
            continue
        await notify(
            tx,
            incident=incident,
            playbook=pb,
            people=[leader],
            kind=TemplateKind.ESCALATION,
            values=_values(plan, incident, tx),
            confirm=False,
            extra=_missing_extra(names, incident_url(link_base, incident.id)),
        )
        reported.append(leader.name)
    if not reported:
        return "skipped: everyone answered"
    await _log(
        tx,
        incident,
        _t(
            "log.escalation.reported",
            leaders=", ".join(reported),
            names=", ".join(p.name for p in missing),
        ),
    )
    return f"{len(missing)} missing reported"
