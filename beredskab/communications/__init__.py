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
    "edit_variant",
    "may_approve",
    "may_draft",
    "recipients",
    "send",
]

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from beredskab import access
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
from beredskab.communications.languages import (
    Chosen,
    LanguageView,
    State,
    compose_variants,
    drilled,
    fallback_note,
    for_composer,
    source_of,
    text_for,
)
from beredskab.communications.steps import (
    MAX_SUBJECT,
    MAX_TEXT,
    checked,
    communication_of,
    open_for,
    record,
)
from beredskab.communications.variants import edit_variant
from beredskab.errors import InvalidStateError
from beredskab.i18n import plural
from beredskab.models import EntryKind, Incident
from beredskab.notifications import compose, incident_values
from beredskab.plan import Plan
from beredskab.storage import Database
from beredskab.storage.repositories.communications import Communication, CommunicationStatus
from beredskab.storage.repositories.deliveries import NewDelivery
from playbooks.languages import DANISH, LANGUAGES
from playbooks.schema import TemplateKind


@dataclass(frozen=True, slots=True)
class SendResult:
    """The sent communication and who it went to (``unreachable``: no email or phone)."""

    communication: Communication
    recipients: tuple[Recipient, ...]
    unreachable: tuple[str, ...]


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
        incident, playbook = await open_for(
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
        variants = compose_variants(
            playbook,
            kind,
            {**values, "navn": ""},
            drill=incident.drill,
            source=source_of(item),
            limits=(MAX_SUBJECT, MAX_TEXT),
        )
        await tx.communications.set_variants(item.id, variants)
        await record(
            tx,
            incident_id=incident_id,
            actor=actor,
            action="draft",
            channel=channel,
            item=item.id,
            text=f"Krisekommunikation {item.id} til {chosen.name} ({kind.value}): udkast "
            f"skrevet af {actor.name}"
            + (f" (også på {_named(v.language for v in variants)})." if variants else "."),
        )
        drafted = await tx.communications.get(item.id)
    assert drafted is not None
    return drafted


def _unready(shown: Iterable[LanguageView]) -> str:
    """For the approval's log entry: the languages whose readers will get Danish."""
    parts = [
        f"{label} på {_named(v.language for v in shown if v.state is state)}"
        for state, label in ((State.MISSING, "mangler"), (State.OLDER, "ældre end dansk"))
        if any(v.state is state for v in shown)
    ]
    return f" (godkendt uden opdateret udgave: {'; '.join(parts)})" if parts else ""


def _named(languages: Iterable[str]) -> str:
    return ", ".join(LANGUAGES[c].da if c in LANGUAGES else c for c in languages)


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
    subject, text = checked(subject, text)
    async with access.audited(db), db.transaction() as tx:
        await open_for(tx, plan, actor, incident_id, action="edit", channel=channel)
        item = await communication_of(tx, incident_id, communication_id)
        if item.status is not CommunicationStatus.DRAFT:
            raise InvalidStateError(
                "communication {communication} is {status}, not a draft",
                communication=item.id,
                status=item.status,
            )
        await tx.communications.update(item.id, subject=subject, text=text)
        await record(
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
        incident, playbook = await open_for(
            tx, plan, actor, incident_id, action="approve", channel=channel
        )
        item = await communication_of(tx, incident_id, communication_id)
        shown = for_composer(
            plan=plan, incident=incident, playbook=playbook, item=item, max_segments=99
        )
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
        await record(
            tx,
            incident_id=incident_id,
            actor=actor,
            action="approve",
            channel=channel,
            item=item.id,
            kind=EntryKind.DECISION,
            text=f"Krisekommunikation {item.id} til {audience_of(item.audience).name} godkendt "
            f"af {actor.name}: {item.subject}{_unready(shown)}",
        )
        updated = await tx.communications.get(item.id)
        assert updated is not None
        if publish:  # README: Public notice page and feed
            await notices.publish_in(
                tx, plan=plan, incident=incident, item=updated, actor=actor, channel=channel
            )
    return updated


def _delivery(
    item: Communication, incident: Incident, to: Recipient, chosen: Chosen, key: str
) -> NewDelivery:
    """The outbox row of one recipient: the text in their language (or Danish), drill-marked."""
    subject = drilled(chosen.subject, drill=incident.drill, language=chosen.language)
    text = drilled(chosen.text, drill=incident.drill, language=chosen.language)
    return NewDelivery(
        incident_id=incident.id,
        person_id=to.id,
        channel=to.channels[0][0],
        address=to.channels[0][1],
        template=item.template,
        subject=subject,
        text=text,
        short_text=text,
        notification=f"{key}{uuid.uuid4().hex[:12]}",
        policy="fallback",
        alternates="\n".join(f"{k.value} {a}" for k, a in to.channels[1:]),
    )


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
        incident, _ = await open_for(tx, plan, actor, incident_id, action="send", channel=channel)
        item = await communication_of(tx, incident_id, communication_id)
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
        chosen = {r.id: text_for(item, r.language) for r in reached}
        await tx.deliveries.enqueue(
            [
                _delivery(item, incident, r, chosen[r.id], f"{incident_id}:c{item.id}:")
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
        by_language = Counter(c.language for c in chosen.values())
        if set(by_language) - {DANISH}:
            log += (
                " Sprog: " + ", ".join(f"{_named([k])} {n}" for k, n in by_language.items()) + "."
            )
        note = fallback_note((r.language, r.name) for r in reached if chosen[r.id].fell_back)
        log += f" {note}" if note else ""
        await record(
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
        await open_for(tx, plan, actor, incident_id, action="discard", channel=channel)
        item = await communication_of(tx, incident_id, communication_id)
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
        await record(
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
