"""Crisis communication: a draft from a playbook template, the leader approves, then it is sent
to a group (the board, the operations departments or the partners) through the outbox.

Life cycle: draft → approved → sent, or discarded. Staff draft and edit; only the playbook's
leader role approves (a refusal is audited); sending queues one message per recipient (email,
falling back to SMS; SMS when that is all they have), all in the transaction that marks the
communication sent. Every step writes its situation-log entry in the same transaction.
"""

from __future__ import annotations

__all__ = [
    "AUDIENCES",
    "BOARD_ROLE",
    "MAX_SUBJECT",
    "MAX_TEXT",
    "STAFF_ROLE",
    "TEMPLATES",
    "Audience",
    "Recipient",
    "SendResult",
    "approve",
    "discard",
    "draft",
    "drafters",
    "edit",
    "may_approve",
    "may_draft",
    "recipients",
    "send",
]

import uuid
from dataclasses import dataclass

from beredskab import access, acknowledgements, audit, situation_log
from beredskab.communications import notices
from beredskab.communications.audiences import (
    AUDIENCES,
    BOARD_ROLE,
    STAFF_ROLE,
    TEMPLATES,
    Audience,
    Recipient,
    audience_of,
    drafters,
    may_approve,
    may_draft,
    recipients,
)
from beredskab.errors import InvalidStateError, NotFoundError, Phrase
from beredskab.i18n import plural
from beredskab.incidents import playbook_of, require_open
from beredskab.models import EntryKind, Incident
from beredskab.notifications import compose, incident_values
from beredskab.plan import Plan
from beredskab.storage import Database, Tx
from beredskab.storage.repositories.communications import Communication, CommunicationStatus
from beredskab.storage.repositories.deliveries import NewDelivery
from contacts.models import Person
from playbooks.schema import DRILL_PREFIX, Playbook, TemplateKind

MAX_SUBJECT = 200
MAX_TEXT = 1600
"""The text is sent as it stands by email and by SMS, so it must fit Twilio's 1600 characters."""


@dataclass(frozen=True, slots=True)
class SendResult:
    """The sent communication and who it went to (``unreachable``: no email or phone)."""

    communication: Communication
    recipients: tuple[Recipient, ...]
    unreachable: tuple[str, ...]


_WHAT = {
    "draft": Phrase("draft crisis communication"),
    "edit": Phrase("edit crisis communication"),
    "approve": Phrase("approve crisis communication"),
    "send": Phrase("send crisis communication"),
    "discard": Phrase("discard crisis communication"),
}
"""What a refused actor may not do, by action (translated with the refusal)."""


def _checked(subject: str, text: str) -> tuple[str, str]:
    subject, text = subject.strip(), text.strip()
    if not subject or not text:
        raise InvalidStateError("a communication needs a subject and a text")
    if len(subject) > MAX_SUBJECT or len(text) > MAX_TEXT:
        raise InvalidStateError(
            "the subject may have {subject} and the text {text} characters "
            "(it is also sent by SMS); shorten it",
            subject=MAX_SUBJECT,
            text=MAX_TEXT,
        )
    return subject, text


async def _open(
    tx: Tx, plan: Plan, actor: Person, incident_id: int, *, action: str, channel: str
) -> tuple[Incident, Playbook]:
    """The open incident and its playbook, once the actor may ``action`` (approve: the leader
    role only; everything else: ``drafters``); a refusal is raised as ``Refusal``."""
    incident = await require_open(tx, incident_id)
    playbook = playbook_of(plan, incident)
    access.require_role(
        actor,
        [playbook.leader_role] if action == "approve" else drafters(playbook),
        action=f"communication.{action}",
        channel=channel,
        what=_WHAT[action],
        incident_id=incident_id,
    )
    return incident, playbook


async def _item(tx: Tx, incident_id: int, communication_id: int) -> Communication:
    """One communication of the incident, or a clear error."""
    item = await tx.communications.get(communication_id)
    if item is None or item.incident_id != incident_id:
        raise NotFoundError(
            "incident {nr} has no communication {communication}",
            nr=incident_id,
            communication=communication_id,
        )
    return item


async def _record(
    tx: Tx,
    *,
    incident_id: int,
    actor: Person,
    action: str,
    channel: str,
    text: str,
    item: int,
    kind: EntryKind = EntryKind.NOTE,
) -> None:
    """The situation-log entry and the audit row of one step, in the caller's transaction."""
    await situation_log.append(tx, incident_id=incident_id, kind=kind, actor=actor.id, text=text)
    await acknowledgements.confirm_by_action(
        tx,
        incident_id=incident_id,
        person=actor,
        via=channel,
        action=f"behandle krisekommunikation {item}",
    )
    await audit.record(
        tx,
        actor=actor.id,
        action=f"communication.{action}",
        channel=channel,
        incident_id=incident_id,
        detail=f"communication {item}",
    )


async def draft(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    actor_id: str,
    channel: str,
    audience: str,
    template: TemplateKind | None = None,
) -> Communication:
    """Start a draft for an audience from a template, filled with the incident's values."""
    actor = access.person(plan, actor_id)
    chosen = audience_of(audience)
    kind = template or chosen.template
    if kind not in TEMPLATES:
        raise InvalidStateError(
            "'{template}' is not a crisis-communication template", template=kind.value
        )
    async with access.audited(db), db.transaction() as tx:
        incident, playbook = await _open(
            tx, plan, actor, incident_id, action="draft", channel=channel
        )
        values = incident_values(incident, directory=plan.directory, at=tx.now)
        subject, text, _ = compose(
            playbook.template(kind, "da")[0], {**values, "navn": ""}, drill=incident.drill
        )
        item = await tx.communications.add(
            incident_id=incident_id,
            audience=chosen.id,
            template=kind.value,
            subject=subject[:MAX_SUBJECT],
            text=text.strip()[:MAX_TEXT],
            drafted_by=actor.id,
            now=tx.now,
        )
        await _record(
            tx,
            incident_id=incident_id,
            actor=actor,
            action="draft",
            channel=channel,
            item=item.id,
            text=f"Krisekommunikation {item.id} til {chosen.name} ({kind.value}): udkast "
            f"skrevet af {actor.name}.",
        )
    return item


async def edit(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    communication_id: int,
    actor_id: str,
    channel: str,
    subject: str,
    text: str,
) -> Communication:
    """Change the subject and text of a draft (an approved text is no longer edited)."""
    actor = access.person(plan, actor_id)
    subject, text = _checked(subject, text)
    async with access.audited(db), db.transaction() as tx:
        await _open(tx, plan, actor, incident_id, action="edit", channel=channel)
        item = await _item(tx, incident_id, communication_id)
        if item.status is not CommunicationStatus.DRAFT:
            raise InvalidStateError(
                "communication {communication} is {status}, not a draft",
                communication=item.id,
                status=item.status,
            )
        await tx.communications.update(item.id, subject=subject, text=text)
        await _record(
            tx,
            incident_id=incident_id,
            actor=actor,
            action="edit",
            channel=channel,
            item=item.id,
            text=f"Krisekommunikation {item.id}: udkastet rettet af {actor.name}.",
        )
        updated = await tx.communications.get(item.id)
    assert updated is not None
    return updated


async def approve(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    communication_id: int,
    actor_id: str,
    channel: str,
    publish: bool = False,
) -> Communication:
    """The leader approves a draft for sending; anyone else is refused (audited). ``publish``
    also puts it on the public notice page (``notices.publish_in``), in the same transaction."""
    actor = access.person(plan, actor_id)
    async with access.audited(db), db.transaction() as tx:
        incident, _ = await _open(tx, plan, actor, incident_id, action="approve", channel=channel)
        item = await _item(tx, incident_id, communication_id)
        moved = await tx.communications.set_status(
            item.id,
            CommunicationStatus.APPROVED,
            expect=CommunicationStatus.DRAFT,
            approved_by=actor.id,
            approved_at=tx.now,
        )
        if not moved:
            raise InvalidStateError(
                "communication {communication} is {status}, not a draft",
                communication=item.id,
                status=item.status,
            )
        await _record(
            tx,
            incident_id=incident_id,
            actor=actor,
            action="approve",
            channel=channel,
            item=item.id,
            kind=EntryKind.DECISION,
            text=f"Krisekommunikation {item.id} til {audience_of(item.audience).name} godkendt "
            f"af {actor.name}: {item.subject}",
        )
        updated = await tx.communications.get(item.id)
        assert updated is not None
        if publish:  # README: Public notice page and feed
            await notices.publish_in(
                tx, plan=plan, incident=incident, item=updated, actor=actor, channel=channel
            )
    return updated


def _drill(text: str, incident: Incident) -> str:
    return text if not incident.drill or text.startswith(DRILL_PREFIX) else DRILL_PREFIX + text


async def send(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    communication_id: int,
    actor_id: str,
    channel: str,
) -> SendResult:
    """Send an approved communication to everyone in its audience, once."""
    actor = access.person(plan, actor_id)
    async with access.audited(db), db.transaction() as tx:
        incident, _ = await _open(tx, plan, actor, incident_id, action="send", channel=channel)
        item = await _item(tx, incident_id, communication_id)
        audience = audience_of(item.audience)
        everyone = recipients(plan=plan, incident=incident, audience=audience)
        reached = tuple(r for r in everyone if r.channels)
        moved = await tx.communications.set_status(
            item.id,
            CommunicationStatus.SENT,
            expect=CommunicationStatus.APPROVED,
            sent_at=tx.now,
            recipients=len(reached),
        )
        if not moved:
            raise InvalidStateError(
                "communication {communication} is {status}; only an approved one is sent",
                communication=item.id,
                status=item.status,
            )
        subject, text = _drill(item.subject, incident), _drill(item.text, incident)
        await tx.deliveries.enqueue(
            [
                NewDelivery(
                    incident_id=incident_id,
                    person_id=r.id,
                    channel=r.channels[0][0],
                    address=r.channels[0][1],
                    template=item.template,
                    subject=subject,
                    text=text,
                    short_text=text,
                    notification=f"{incident_id}:c{item.id}:{uuid.uuid4().hex[:12]}",
                    policy="fallback",
                    alternates="\n".join(f"{k.value} {a}" for k, a in r.channels[1:]),
                )
                for r in reached
            ],
            now=tx.now,
        )
        missing = tuple(r.name for r in everyone if not r.channels)
        log = (
            f"Krisekommunikation {item.id} sendt til {audience.name} af {actor.name}: "
            f"{plural(len(reached), 'modtager', 'modtagere')} "
            f"({', '.join(r.name for r in reached) or 'ingen'})."
        )
        if missing:
            log += f" Uden e-mail og telefon: {', '.join(missing)}."
        await _record(
            tx,
            incident_id=incident_id,
            actor=actor,
            action="send",
            channel=channel,
            item=item.id,
            text=log,
        )
        updated = await tx.communications.get(item.id)
    assert updated is not None
    return SendResult(communication=updated, recipients=reached, unreachable=missing)


async def discard(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    communication_id: int,
    actor_id: str,
    channel: str,
) -> Communication:
    """Set aside a draft or an approved communication that will not be sent."""
    actor = access.person(plan, actor_id)
    async with access.audited(db), db.transaction() as tx:
        await _open(tx, plan, actor, incident_id, action="discard", channel=channel)
        item = await _item(tx, incident_id, communication_id)
        if item.status not in (CommunicationStatus.DRAFT, CommunicationStatus.APPROVED):
            raise InvalidStateError(
                "communication {communication} is already {status}",
                communication=item.id,
                status=item.status,
            )
        if not await tx.communications.set_status(
            item.id, CommunicationStatus.DISCARDED, expect=item.status
        ):
            raise InvalidStateError(
                "communication {communication} changed meanwhile; look again",
                communication=item.id,
            )
        await _record(
            tx,
            incident_id=incident_id,
            actor=actor,
            action="discard",
            channel=channel,
            item=item.id,
            text=f"Krisekommunikation {item.id} lagt til side af {actor.name}.",
        )
        updated = await tx.communications.get(item.id)
    assert updated is not None
    return updated
