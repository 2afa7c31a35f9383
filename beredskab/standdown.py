"""Standing an incident down: close it and tell everyone who was notified.

After the stand-down only the stand-down message (and whatever else the closing transaction
queues) and the playbook's follow-ups go out: every message still queued is expired here, in
the closing transaction, and the outbox and the fallback expire anything of the incident
queued before the close that was in flight (``incident.after_close``); no timer but the
follow-ups fires.
"""

from __future__ import annotations

from dataclasses import dataclass

from beredskab import access, audit, escalation, situation_log
from beredskab.communications import notices
from beredskab.errors import Phrase
from beredskab.i18n import clock, plural
from beredskab.incident import chain_head
from beredskab.incidents import playbook_of, require, require_open
from beredskab.models import EntryKind, Incident, TaskStatus
from beredskab.notifications import incident_values, notify
from beredskab.plan import Plan
from beredskab.security import bounds
from beredskab.storage import Database, Tx
from playbooks.schema import TemplateKind


@dataclass(frozen=True)
class StandDownResult:
    """The closed incident and how many stand-down messages were queued."""

    incident: Incident
    messages: int
    expired: int


async def wind_down(tx: Tx, incident_id: int) -> tuple[set[str], int, int]:
    """Stop an incident's work in the caller's transaction: unsent messages expire, messages
    on their way are not handed to another channel, open tasks are cancelled. Returns who was
    reached, how many expired and how many were held (a stand-down and a halted drill)."""
    reached = await tx.deliveries.recipients(incident_id)
    expired = await tx.deliveries.expire_queued(incident_id, now=tx.now)
    held = await tx.deliveries.hold_fallbacks(incident_id, now=tx.now)
    for task in await tx.tasks.list(incident_id):
        if task.status in (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED):
            await tx.tasks.update(incident_id, task.number, now=tx.now, status=TaskStatus.CANCELLED)
    return reached, expired, held


async def close(
    *, db: Database, plan: Plan, incident_id: int, actor_id: str, channel: str, note: str = ""
) -> StandDownResult:
    """Close an incident: stand-down message to everyone notified, unsent alerts expire."""
    bounds.text(note, field="the note")
    actor = access.person(plan, actor_id)
    async with access.audited(db), db.transaction() as tx:
        await require(tx, incident_id)  # a number that names no incident goes no further
        await tx.incidents.lock(incident_id)  # timers and closes of one incident queue up
        incident = await require_open(tx, incident_id)
        playbook = playbook_of(plan, incident)
        access.require_role(
            actor,
            (playbook.leader_role, *playbook.activation.roles),
            action="close",
            channel=channel,
            what=Phrase("stand down incident {nr}", nr=incident_id),
            incident_id=incident_id,
        )
        notified, expired, held = await wind_down(tx, incident_id)
        people = [p for p in plan.directory.people if p.id in notified]
        values = {  # {tid} in the stand-down message is when it ended
            **incident_values(incident, directory=plan.directory),
            "tid": clock(tx.now, now=tx.now),
        }
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
        await notices.all_clear(tx, incident=incident, actor=actor, channel=channel)
        text = (
            f"Beredskabet afblæst af {actor.name} via {channel}; "
            f"{plural(len(people), 'person', 'personer')} orienteret."
        )
        if expired:
            text += f" {plural(expired, 'ikke-afsendt besked', 'ikke-afsendte beskeder')} udløbet."
        if held:
            on_way = plural(held, "besked", "beskeder")
            text += f" {on_way} på vej gives ikke videre til en anden kanal."
        if note:
            text += f" Note: {note}"
        closing = await situation_log.append(
            tx, incident_id=incident_id, kind=EntryKind.CLOSED, actor=actor.id, text=text
        )
        await chain_head.send_head(  # README: Tamper evidence
            tx,
            incident=incident,
            leaders=plan.directory.with_role(playbook.leader_role),
            head=situation_log.Head.of(closing),
        )
        await audit.record(
            tx, actor=actor.id, action="close", channel=channel, incident_id=incident_id
        )
        closed = await tx.incidents.get(incident_id)
    assert closed is not None
    return StandDownResult(incident=closed, messages=messages, expired=expired)
