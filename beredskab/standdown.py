"""Standing an incident down: close it and tell everyone who was notified."""

from __future__ import annotations

from dataclasses import dataclass

from beredskab import access, audit, escalation, situation_log
from beredskab.errors import NotFoundError
from beredskab.i18n import plural
from beredskab.incidents import require_open
from beredskab.models import EntryKind, Incident, TaskStatus
from beredskab.notifications import incident_values, notify
from beredskab.plan import Plan
from beredskab.security import bounds
from beredskab.storage import Database
from playbooks.schema import TemplateKind


@dataclass(frozen=True)
class StandDownResult:
    """The closed incident and how many stand-down messages were queued."""

    incident: Incident
    messages: int
    expired: int


async def close(
    *, db: Database, plan: Plan, incident_id: int, actor_id: str, channel: str, note: str = ""
) -> StandDownResult:
    """Close an incident: stand-down message to everyone notified, unsent alerts expire."""
    bounds.text(note, field="the note")
    actor = access.person(plan, actor_id)
    async with access.audited(db), db.transaction() as tx:
        incident = await require_open(tx, incident_id)
        playbook = plan.playbook(incident.playbook_id)
        if playbook is None:
            raise NotFoundError(f"playbook {incident.playbook_id} is no longer in the plan")
        access.require_role(
            actor,
            (playbook.leader_role, *playbook.activation.roles),
            action="close",
            channel=channel,
            what=f"stand down incident {incident_id}",
            incident_id=incident_id,
        )
        notified = await tx.deliveries.recipients(incident_id)
        expired = await tx.deliveries.expire_queued(incident_id, now=tx.now)
        for task in await tx.tasks.list(incident_id):
            if task.status in (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED):
                await tx.tasks.update(
                    incident_id, task.number, now=tx.now, status=TaskStatus.CANCELLED
                )
        people = [p for p in plan.directory.people if p.id in notified]
        values = incident_values(incident, directory=plan.directory, at=tx.now)
        messages = await notify(
            tx,
            incident=incident,
            playbook=playbook,
            people=people,
            kind=TemplateKind.STAND_DOWN,
            values=values,
        )
        await tx.incidents.close(incident_id, by=actor.id, now=tx.now)
        await tx.timers.cancel_open(incident_id, now=tx.now, outcome="stood down")
        await escalation.schedule_follow_ups(tx, playbook=playbook, incident=incident)
        text = (
            f"Beredskabet afblæst af {actor.name} via {channel}; "
            f"{plural(len(people), 'person', 'personer')} orienteret."
        )
        if expired:
            text += f" {plural(expired, 'ikke-afsendt besked', 'ikke-afsendte beskeder')} udløbet."
        if note:
            text += f" Note: {note}"
        await situation_log.append(
            tx, incident_id=incident_id, kind=EntryKind.CLOSED, actor=actor.id, text=text
        )
        await audit.record(
            tx, actor=actor.id, action="close", channel=channel, incident_id=incident_id
        )
        closed = await tx.incidents.get(incident_id)
    assert closed is not None
    return StandDownResult(incident=closed, messages=messages, expired=expired)
