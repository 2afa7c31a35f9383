"""Standing an incident down: close it and tell everyone who was notified.

After the stand-down only the stand-down message (and whatever else the closing transaction
queues) and the playbook's follow-ups go out: every message still queued is expired here, in
the closing transaction, and the outbox and the fallback expire anything of the incident
queued before the close that was in flight (``incident.after_close``); no timer but the
follow-ups fires.

The stand-down message streams like an activation: the closing transaction queues it for
the first ``fanout.FIRST_CHUNK`` people and hands the rest to a fan-out
(``incident.fanout``, kind ``incident.stand_down_messages.KIND``) that queues them in
bounded transactions right after the commit, resuming from its cursor after a crash.
"""

from __future__ import annotations

from dataclasses import dataclass

from beredskab.boundary import bounds
from beredskab.catalog.texts import Texts
from beredskab.errors import Phrase
from beredskab.incident import (
    all_clear,
    chain_head,
    escalation,
    fanout,
    situation_log,
    stand_down_messages,
)
from beredskab.incident.lookup import playbook_of, require, require_open
from beredskab.models import EntryKind, Incident, TaskStatus
from beredskab.plan import Plan
from beredskab.security import access, audit
from beredskab.storage import Database, Tx
from beredskab.storage.signals import RESIDENTS
from playbooks.schema import TemplateKind

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""


@dataclass(frozen=True)
class StandDownResult:
    """The closed incident and how many stand-down messages are queued: by the close
    itself and, for those after the first chunk (``pending`` people), by its fan-out."""

    incident: Incident
    messages: int
    expired: int
    pending: int = 0


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
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    actor_id: str,
    channel: str,
    note: str = "",
    first_chunk: int = fanout.FIRST_CHUNK,
) -> StandDownResult:
    """Close an incident: stand-down message to everyone notified, unsent alerts expire.

    The closing transaction queues the message for the first ``first_chunk`` people; the
    others are handed to a fan-out (wake ``serve``'s runner, or ``fanout.complete`` in a
    command)."""
    if first_chunk < 0:
        raise ValueError("first_chunk must not be negative")
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
        first, rest = people[:first_chunk], people[first_chunk:]
        messages = await stand_down_messages.tell(  # {tid} in it is when it ended
            tx, plan=plan, playbook=playbook, incident=incident, people=first, at=tx.now
        )
        await fanout.start(
            tx,
            incident=incident,
            kind=stand_down_messages.KIND,
            playbook_id=playbook.id,
            template=TemplateKind.STAND_DOWN.value,
            recipients=[p.id for p in people],
            done=len(first),
            reached=len(first),
            messages=messages,
        )
        planned = messages + await stand_down_messages.planned(tx, rest)
        await tx.incidents.close(incident_id, by=actor.id, now=tx.now)
        tx.signal(RESIDENTS)  # its resident SMS still queued stop at the outbox's last look
        await tx.timers.cancel_open(incident_id, now=tx.now, outcome="stood down")
        await escalation.schedule_follow_ups(tx, playbook=playbook, incident=incident)
        await all_clear.publish(tx, incident=incident, actor=actor, channel=channel)
        text = _t("log.standdown.closed", name=actor.name, channel=channel, count=len(people))
        if expired:
            text += _t("log.standdown.expired", count=expired)
        if held:
            text += _t("log.standdown.on_way", count=held)
        if note:
            text += _t("log.note", note=note)
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
    return StandDownResult(incident=closed, messages=planned, expired=expired, pending=len(rest))
