"""The police journal number: required for a police-case playbook (group 2) unless the
activator marks it as coming later, then reminded until someone records it.

Group 1 has no police case and refuses a journal number with a hint to upgrade. A join or an
upgrade that carries a number sets a missing one (a correction entry, audited); a different
number than the stored one is logged, never silently dropped.
"""

from __future__ import annotations

from datetime import timedelta

from beredskab.catalog.texts import Texts
from beredskab.delivery.notifications import incident_values
from beredskab.errors import InvalidStateError
from beredskab.incident import messages, situation_log
from beredskab.models import EntryKind, Incident
from beredskab.plan import Plan
from beredskab.security import audit
from beredskab.storage import Tx
from beredskab.storage.repositories.timers import NewTimer, Timer
from contacts.models import Person
from playbooks.schema import Playbook

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

REGISTERED = _t("police_case.registered")
"""How the log says a missing journal number was set by a join or an upgrade."""

TIMER = "police-case"
"""Timer kind of the reminder (dispatched by ``escalation._fire``)."""

MISSING_LABEL = _t("police_case.missing_label")
"""What the incident page and ``status`` show while a police-case incident has no number."""


class PoliceCaseRequired(InvalidStateError):
    """A police-case playbook was activated without a journal number and without "pending"."""


class NoPoliceCase(InvalidStateError):
    """A journal number was given for a playbook without a police case (group 1)."""


def required(playbook: Playbook) -> bool:
    """Whether activating the playbook needs the police journal number."""
    return playbook.police_case or playbook.activation.police_case_required


def missing(playbook: Playbook | None, incident: Incident) -> bool:
    """True while an open police-case incident has no journal number ("journalnr. mangler")."""
    return (
        playbook is not None
        and required(playbook)
        and not incident.drill
        and not (incident.police_case or "").strip()
    )


def check(playbook: Playbook, *, police_case: str | None, pending: bool, drill: bool) -> None:
    """Refuse a missing journal number (group 2) or one that has no place (group 1)."""
    if police_case and not required(playbook):
        raise NoPoliceCase(
            "{group} has no police case; to record a journal number, upgrade to "
            "group 2 with `upgrade`",
            group=playbook.name,
        )
    if required(playbook) and not police_case and not pending and not drill:
        raise PoliceCaseRequired(
            "{group} needs the police journal number: give it (CLI --police-case NR, "
            "API police_case, SMS AKTIVER {number} <PIN> JOURNAL <nr> <text>) or mark it "
            "as coming later (CLI --police-case-pending, API police_case_pending: true, "
            "SMS AKTIVER {number} <PIN> AFVENTER <text>)",
            group=playbook.name,
            number=playbook.number,
        )


async def schedule(tx: Tx, *, playbook: Playbook, incident: Incident) -> None:
    """The next reminder, one reminder interval from now."""
    due = tx.now + timedelta(minutes=playbook.escalation.reminder_after_minutes)
    await tx.timers.add([NewTimer(TIMER, incident.id, due)], now=tx.now)


async def remind(tx: Tx, plan: Plan, pb: Playbook, incident: Incident, timer: Timer) -> str:
    """Timer handler: remind the activator and the leader while the number is missing."""
    if not missing(pb, incident):
        return "skipped: journal number recorded"
    people = [
        p
        for p in (
            plan.directory.person(incident.activated_by),
            *plan.directory.with_role(pb.leader_role),
        )
        if p is not None
    ]
    sent = await messages.send(
        tx,
        incident=incident,
        people=people,
        kind="police_case_reminder",
        message=messages.POLICE_CASE_REMINDER,
        values=incident_values(incident, directory=plan.directory, at=tx.now),
    )
    names = ", ".join(dict.fromkeys(p.name for p in people))
    await situation_log.append(
        tx,
        incident_id=incident.id,
        kind=EntryKind.NOTIFIED,
        actor="system",
        text=_t("log.police_case.reminded", names=names, count=sent),
    )
    await schedule(tx, playbook=pb, incident=incident)
    return f"police case reminder ({sent} messages)"


async def on_join(
    tx: Tx, *, incident: Incident, actor: Person, channel: str, police_case: str | None
) -> Incident:
    """A join (or upgrade) carried a number: set a missing one, log a different one."""
    given = (police_case or "").strip()
    stored = (incident.police_case or "").strip()
    if not given or given == stored:
        return incident
    if not stored:
        await tx.incidents.set_police_case(incident.id, given)
        corrected = await situation_log.stating(tx, incident.id, (REGISTERED,))
        await situation_log.append(
            tx,
            incident_id=incident.id,
            kind=EntryKind.CORRECTION,
            actor=actor.id,
            text=_t(
                "log.police_case.set",
                registered=REGISTERED,
                given=given,
                name=actor.name,
                channel=channel,
            ),
            corrects=corrected,
        )
        await audit.record(
            tx,
            actor=actor.id,
            action="incident.police_case",
            channel=channel,
            incident_id=incident.id,
            detail=f"set {given}",
        )
        return incident.model_copy(update={"police_case": given})
    await situation_log.append(  # a note, not a correction: nothing was changed
        tx,
        incident_id=incident.id,
        kind=EntryKind.NOTE,
        actor=actor.id,
        text=_t(
            "log.police_case.kept", name=actor.name, given=given, channel=channel, stored=stored
        ),
    )
    await audit.record(
        tx,
        actor=actor.id,
        action="incident.police_case",
        channel=channel,
        allowed=False,
        incident_id=incident.id,
        detail=f"kept {stored}, given {given}",
    )
    return incident
