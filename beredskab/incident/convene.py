"""Convening a meeting the plan lists as "indkaldes efter behov" (seed §3: TOT, Lokalråd).

The leader picks one of the playbook's ``conveneable`` meetings and a time; the role's
members get the convene message on every channel and are asked to confirm, like the
beredskabsstab a step convenes (``steps.run_actions``): they become confirmation-tracked for
the incident, so their "OK" (SMS, Telegram button, email link, web) confirms them.
"""

from __future__ import annotations

from dataclasses import dataclass

from beredskab.catalog.texts import Texts
from beredskab.delivery.notifications import Extra, incident_values, notify
from beredskab.errors import InvalidStateError, NotFoundError
from beredskab.i18n import clock
from beredskab.incident import situation_log
from beredskab.incident.chief_tasks import parse_due
from beredskab.incident.lookup import playbook_of, require_open
from beredskab.models import EntryKind
from beredskab.plan import Plan
from beredskab.security import access, audit
from beredskab.storage import Database
from playbooks.schema import Conveneable, Playbook, TemplateKind

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

SOON = _t("convene.soon")
"""The time in the message when the leader gives none."""


@dataclass(frozen=True)
class Convened:
    """What a convening did: the meeting, when, who was asked and how many messages went."""

    meeting: Conveneable
    when: str
    people: tuple[str, ...]
    queued: int


def meetings(plan: Plan, playbook_id: str) -> tuple[Conveneable, ...]:
    """The meetings the leader of this playbook may convene."""
    playbook = plan.playbook(playbook_id)
    return playbook.conveneable if playbook else ()


async def convene(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    actor_id: str,
    meeting_id: str,
    channel: str,
    at: str | None = None,
) -> Convened:
    """The leader convenes a meeting: its role's members are notified and asked to confirm."""
    actor = access.person(plan, actor_id)
    async with access.audited(db), db.transaction() as tx:
        incident = await require_open(tx, incident_id)
        playbook = playbook_of(plan, incident)
        access.require_role(
            actor,
            [playbook.leader_role],
            action="incident.convene",
            channel=channel,
            what="convene meetings",
            incident_id=incident_id,
        )
        meeting = _meeting(playbook, meeting_id)
        people = plan.directory.with_role(meeting.role)
        if not people:
            raise InvalidStateError(
                "nobody holds the role {role} of {meeting}; add people to it in the directory",
                role=meeting.role,
                meeting=meeting.meeting,
            )
        when = clock(parse_due(at, now=tx.now), now=tx.now) if at else SOON
        await tx.incidents.add_confirmations(
            incident.id, [p.id for p in people], reason=f"convene:{meeting.id}", now=tx.now
        )
        extra = _t(
            "convene.message",
            meeting=meeting.meeting,
            place=meeting.place,
            when=when,
            nr=incident.id,
        )
        queued = await notify(
            tx,
            incident=incident,
            playbook=playbook,
            people=people,
            kind=TemplateKind.CONVENE,
            values=incident_values(incident, directory=plan.directory, at=tx.now),
            confirm=True,
            extra=lambda _person, _language: Extra(text=extra, sms=(extra,), required=True),
        )
        names = tuple(p.name for p in people)
        await situation_log.append(
            tx,
            incident_id=incident.id,
            kind=EntryKind.NOTIFIED,
            actor=actor.id,
            text=_t(
                "log.convene.convened",
                meeting=meeting.meeting,
                name=actor.name,
                place=meeting.place,
                when=when,
                names=", ".join(names),
            ),
        )
        await audit.record(
            tx,
            actor=actor.id,
            action="incident.convene",
            channel=channel,
            incident_id=incident.id,
            detail=f"{meeting.id}: {len(people)} people",
        )
    return Convened(meeting=meeting, when=when, people=names, queued=queued)


def _meeting(playbook: Playbook, meeting_id: str) -> Conveneable:
    found = next((m for m in playbook.conveneable if m.id == meeting_id), None)
    if found is None:
        raise NotFoundError(
            "{playbook} has no meeting '{meeting}' to convene; choose one of: {choices}",
            playbook=playbook.name,
            meeting=meeting_id[:40],
            choices=", ".join(m.id for m in playbook.conveneable) or "(none)",
        )
    return found
