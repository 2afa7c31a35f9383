"""Escalation of people who have not confirmed: one sweep timer per incident.

Asking people to confirm (``schedule_confirmations``) stores two moments on each of their
confirmation rows — ``renotify_at`` (``renotify_after_minutes`` on) and ``deputy_at``
(``deputy_after_minutes`` on) — and makes sure the incident has one open "sweep" timer due no
later than the earliest of them, plus its one "report-missing" timer. Asking 5,000 people
writes one or two timer rows, not two per person, and calling it once per activation chunk
adds no second sweep.

When the sweep fires (``run``: in the tick's transaction that marks it fired, under the
incident's row lock) it takes the pending people whose moment has come with one query per
moment, at most the tick chunk's budget of them, clears each moment it takes, and does what
the per-person timers did: the alert again on every channel with a voice call (coalesced
like every reminder), or the deputy asked, naming whom she replaces. The same log entries are
written; the tick notes a late firing in the sweep's outcome. Then it schedules the next sweep
at the next moment still ahead of a pending person (at once if the budget ran out), or none.

A confirmation committed before the sweep reads the rows cancels that person's escalation.
A moment is cleared in the transaction that acts on it, so nobody is escalated twice; with
two instances on PostgreSQL the timer is claimed with SKIP LOCKED, sweeps of one incident
queue on its row lock, and rows an answer in progress holds are skipped (the next sweep
takes them if they are still pending).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from beredskab.catalog.texts import Texts
from beredskab.delivery.notifications import Extra, incident_values, notify
from beredskab.incident import reminders, situation_log, stand_in
from beredskab.models import EntryKind, Incident
from beredskab.plan import Plan
from beredskab.storage import Tx, is_transient
from beredskab.storage.repositories.incidents import EscalationStep
from beredskab.storage.repositories.timers import NewTimer, Timer
from contacts.models import Person
from playbooks.schema import Playbook, TemplateKind

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

log = logging.getLogger(__name__)

SWEEP = "sweep"
"""Timer kind of the escalation sweep."""


@dataclass
class Budget:
    """People the sweeps of one tick chunk may still escalate; ``exhausted`` once a sweep
    stopped at the bound with people still due (the tick then goes on with another chunk)."""

    left: int
    exhausted: bool = False


async def schedule_confirmations(
    tx: Tx,
    *,
    playbook: Playbook,
    incident: Incident,
    people: Sequence[Person],
    new_incident: bool = False,
) -> None:
    """Escalation moments for people just asked to confirm, the incident's sweep timer and
    its missing-list report (one each per incident, however often this is called).
    ``new_incident``: its activation, which no timer precedes (both timers, one insert)."""
    if not people:
        return
    policy = playbook.escalation
    renotify_at = tx.now + timedelta(minutes=policy.renotify_after_minutes)
    deputy_at = tx.now + timedelta(minutes=policy.deputy_after_minutes)
    await tx.incidents.schedule_escalation(
        incident.id, [p.id for p in people], renotify_at=renotify_at, deputy_at=deputy_at
    )
    if new_incident:
        report_at = tx.now + timedelta(minutes=policy.report_missing_after_minutes)
        first = NewTimer(SWEEP, incident.id, min(renotify_at, deputy_at))
        await tx.timers.add([first, NewTimer("report-missing", incident.id, report_at)], now=tx.now)
        return
    await _arm(tx, incident.id, min(renotify_at, deputy_at), unlocked=True)
    if await tx.timers.earliest_open(incident.id, "report-missing") is None:
        due = tx.now + timedelta(minutes=policy.report_missing_after_minutes)
        await tx.timers.add([NewTimer("report-missing", incident.id, due)], now=tx.now)


async def _arm(
    tx: Tx, incident_id: int, due: datetime, *, exclude: int | None = None, unlocked: bool = False
) -> None:
    """A sweep timer due at ``due`` unless an open one is due no later."""
    open_due = await tx.timers.earliest_open(incident_id, SWEEP, exclude=exclude, unlocked=unlocked)
    if open_due is None or open_due > due:
        await tx.timers.add([NewTimer(SWEEP, incident_id, due)], now=tx.now)


def _deputy_extra(replaced: Person, declined: bool) -> Callable[[Person, str], Extra]:
    """The line a deputy's alert adds: whom she replaces and why (long and SMS forms)."""

    def extra(_: Person, language: str) -> Extra:
        key = "deputy.asked_declined" if declined else "deputy.asked_silent"
        sms = dict.fromkeys(  # one form where the language has one (English)
            _t(k, language, name=replaced.name) for k in ("deputy.sms", "deputy.sms_short")
        )
        return Extra(_t(key, language, name=replaced.name), tuple(sms))

    return extra


async def ask_deputy(
    tx: Tx,
    *,
    plan: Plan,
    playbook: Playbook,
    incident: Incident,
    person: Person,
    declined: bool = False,
) -> Person | None:
    """Ask someone to stand in for ``person`` (``stand_in``: their deputy, or the next one
    free): confirmation row, alert naming whom she replaces, escalation moments. Returns who
    was newly asked, or None if nobody is free or someone was asked for ``person`` already.
    Passing over someone, or finding nobody, is written to the log."""
    chosen, _ = await _ask_stand_in(
        tx, plan=plan, playbook=playbook, incident=incident, person=person, declined=declined
    )
    return chosen


async def _ask_stand_in(
    tx: Tx,
    *,
    plan: Plan,
    playbook: Playbook,
    incident: Incident,
    person: Person,
    declined: bool,
) -> tuple[Person | None, bool]:
    """``ask_deputy``, and whether someone had been asked for ``person`` already."""
    passed: list[str] = []
    for candidate, how in stand_in.candidates(plan.directory, playbook, person):
        row = await tx.incidents.confirmation(incident.id, candidate.id)
        if row is not None and row.reason == f"deputy:{person.id}":
            return None, True
        if row is not None and row.reason.startswith("deputy:"):
            passed.append(_t("log.sweep.busy_elsewhere", name=candidate.name, how=how))
            continue
        if row is not None or stand_in.called(playbook, candidate):
            passed.append(_t("log.sweep.takes_part", name=candidate.name, how=how))
            continue
        if not await tx.incidents.add_confirmations(
            incident.id, [candidate.id], reason=f"deputy:{person.id}", now=tx.now
        ):
            continue
        await notify(
            tx,
            incident=incident,
            playbook=playbook,
            people=[candidate],
            kind=TemplateKind.ACTIVATION,
            values=incident_values(incident, directory=plan.directory, at=tx.now),
            extra=_deputy_extra(person, declined),
        )
        await schedule_confirmations(tx, playbook=playbook, incident=incident, people=[candidate])
        if passed:
            await _log(
                tx,
                incident,
                _t(
                    "log.sweep.instead",
                    passed="; ".join(passed),
                    name=candidate.name,
                    how=how,
                    person=person.name,
                ),
            )
        return candidate, False
    if passed:
        await _log(
            tx, incident, _t("log.sweep.nobody", person=person.name, passed="; ".join(passed))
        )
    return None, False


async def _log(tx: Tx, incident: Incident, text: str) -> None:
    await situation_log.append(
        tx, incident_id=incident.id, kind=EntryKind.NOTIFIED, actor="system", text=text
    )


async def renotify(
    tx: Tx, *, plan: Plan, playbook: Playbook, incident: Incident, person: Person
) -> str:
    """The alert again on all of a pending person's channels, with a voice call."""
    sent, _ = await reminders.remind(
        tx,
        plan=plan,
        playbook=playbook,
        incident=incident,
        people=[person],
        item=reminders.CONFIRM,
        text=reminders.confirm_text(incident.id),
        confirm=True,
        call=True,
    )
    if not sent:
        return "skipped: reminded within the interval"
    minutes = playbook.escalation.renotify_after_minutes
    await _log(
        tx,
        incident,
        _t("log.sweep.renotified", name=person.name, minutes=minutes, count=sent),
    )
    return f"renotified ({sent} messages)"


async def deputise(
    tx: Tx, *, plan: Plan, playbook: Playbook, incident: Incident, person: Person
) -> str:
    """Ask someone to stand in for a pending person (or log that nobody can)."""
    deputy, already = await _ask_stand_in(
        tx, plan=plan, playbook=playbook, incident=incident, person=person, declined=False
    )
    if already:
        return "deputy already asked"
    if deputy is None:
        if not any(stand_in.candidates(plan.directory, playbook, person)):
            await _log(tx, incident, _t("log.sweep.no_deputy", name=person.name))
        return "no deputy"
    await _log(
        tx,
        incident,
        _t(
            "log.sweep.deputy_asked",
            name=person.name,
            minutes=playbook.escalation.deputy_after_minutes,
            deputy=deputy.name,
        ),
    )
    return f"deputy {deputy.id} asked"


Action = Callable[..., Awaitable[str]]
_STEPS: tuple[tuple[EscalationStep, Action], ...] = (("renotify", renotify), ("deputy", deputise))


async def run(
    tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer, *, budget: Budget
) -> str:
    """Fire an incident's sweep: escalate everyone pending whose moment has come (within the
    budget), then schedule the next sweep; returns the outcome for the timer row."""
    outcomes: Counter[str] = Counter()
    for step, action in _STEPS:
        if budget.left <= 0:
            break
        claimed = await tx.incidents.claim_escalations(
            incident.id, step=step, now=tx.now, limit=budget.left
        )
        budget.left -= len(claimed)
        for person_id, moment in claimed:
            outcome = await _escalate(tx, plan, pb, incident, person_id, step, action)
            if outcome is None:  # failed: put the moment back for a later sweep
                await tx.incidents.restore_escalation(incident.id, person_id, step=step, at=moment)
                outcome = "failed, retried later"
            outcomes[_kind(outcome)] += 1
    upcoming = await tx.incidents.next_escalation(incident.id)
    if upcoming is not None:
        if upcoming <= tx.now and budget.left <= 0:
            budget.exhausted = True
        await _arm(tx, incident.id, upcoming, exclude=timer.id)
    return _summary(outcomes, upcoming)


async def _escalate(
    tx: Tx,
    plan: Plan,
    pb: Playbook,
    incident: Incident,
    person_id: str,
    step: EscalationStep,
    action: Action,
) -> str | None:
    """One person's escalation step in its own savepoint; None if it failed (not for a
    database outage: that rolls the whole chunk back, to be retried)."""
    person = plan.directory.person(person_id)
    if person is None:
        return "skipped: not in the directory"
    try:
        async with tx.savepoint():
            outcome: str = await action(
                tx, plan=plan, playbook=pb, incident=incident, person=person
            )
            return outcome
    except Exception as exc:  # one broken escalation must not block the incident's others
        if is_transient(exc):
            raise
        log.exception("escalation %s of %s in incident %s failed", step, person_id, incident.id)
        return None


def _kind(outcome: str) -> str:
    """An outcome without its person and counts ("deputy anna asked" → "deputy asked")."""
    if outcome.startswith("renotified"):
        return "renotified"
    if outcome.startswith("deputy ") and outcome.endswith(" asked") and "already" not in outcome:
        return "deputy asked"
    return outcome


def _summary(outcomes: Counter[str], upcoming: datetime | None) -> str:
    """E.g. "swept: 3 renotified, 1 no deputy; next sweep 2026-12-01T18:20:00+00:00"."""
    done = ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())) or "nobody due"
    after = f"next sweep {upcoming.isoformat(timespec='seconds')}" if upcoming else "no more due"
    return f"swept: {done}; {after}"
