"""Crisis communication: a draft from a playbook template for one or more audiences, the
leader approves, then it is sent once through the outbox.

Audiences (``audiences``): the board, the operations departments, the partners, the press,
institutions, businesses, associations and the subscribed residents of the incident's zone.
Life cycle: draft → approved → sent, or discarded. Staff draft and edit; only the playbook's
leader role approves (a refusal is audited; a communication to the press only after the board
was consulted: ``sending.require_consulted``); sending queues one message per directory
recipient (email, falling back to SMS; the press by email) in the transaction that marks the
communication sent, and the residents' SMS in chunks (``resident_send``). Every step writes its
situation-log entry in the same transaction. The web, the API, Telegram and the CLI call these.
"""

from __future__ import annotations

__all__ = [
    "AUDIENCES",
    "BOARD_ROLE",
    "MAX_SUBJECT",
    "MAX_TEXT",
    "PRESS",
    "RESIDENTS",
    "STAFF_ROLE",
    "TEMPLATES",
    "Audience",
    "Recipient",
    "SendResult",
    "approve",
    "audience_of",
    "audiences_of",
    "chosen",
    "discard",
    "draft",
    "drafters",
    "edit",
    "edit_variant",
    "may_approve",
    "may_draft",
    "names",
    "recipients",
    "send",
]

from collections.abc import Iterable, Sequence

from beredskab.communications import notices
from beredskab.communications.audiences import (
    AUDIENCES,
    BOARD_ROLE,
    PRESS,
    RESIDENTS,
    STAFF_ROLE,
    TEMPLATES,
    Audience,
    Recipient,
    audience_of,
    audiences_of,
    chosen,
    drafters,
    may_approve,
    may_draft,
    names,
    recipients,
)
from beredskab.communications.languages import (
    LanguageView,
    State,
    compose_variants,
    for_composer,
    named,
    source_of,
)
from beredskab.communications.sending import SendResult, require_consulted, send
from beredskab.communications.steps import (
    MAX_SUBJECT,
    MAX_TEXT,
    checked,
    communication_of,
    open_for,
    record,
)
from beredskab.communications.texts import texts
from beredskab.communications.variants import edit_variant
from beredskab.delivery.notifications import compose, incident_values
from beredskab.errors import InvalidStateError
from beredskab.models import EntryKind
from beredskab.plan import Plan
from beredskab.security import access
from beredskab.storage import Database
from beredskab.storage.repositories.communications import Communication, CommunicationStatus
from playbooks.schema import TemplateKind


async def draft(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    actor_id: str,
    channel: str,
    audience: str | Sequence[str],
    template: TemplateKind | None = None,
) -> Communication:
    """Start a draft for one or more audiences (ids; a string may join them with commas)
    from a template (by default the first audience's), filled with the incident's values."""
    actor = access.person(plan, actor_id)
    stored = chosen([audience] if isinstance(audience, str) else audience)
    kind = template or audiences_of(stored)[0].template
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
            audience=stored,
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
            text=texts(
                "log.drafted_languages" if variants else "log.drafted",
                nr=item.id,
                audience=names(stored),
                template=kind.value,
                name=actor.name,
                languages=named(v.language for v in variants),
            ),
        )
        drafted = await tx.communications.get(item.id)
    assert drafted is not None
    return drafted


def _unready(shown: Iterable[LanguageView]) -> str:
    """For the approval's log entry: the languages whose readers will get Danish."""
    parts = [
        texts(key, languages=named(v.language for v in shown if v.state is state))
        for state, key in ((State.MISSING, "unready.missing"), (State.OLDER, "unready.older"))
        if any(v.state is state for v in shown)
    ]
    return f" ({texts('log.unready', parts='; '.join(parts))})" if parts else ""


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
            text=texts("log.edited", nr=item.id, name=actor.name),
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
        if item.status is CommunicationStatus.DRAFT:
            await require_consulted(tx, plan, item)
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
            text=texts(
                "log.approved",
                nr=item.id,
                audience=names(item.audience),
                name=actor.name,
                subject=item.subject,
            )
            + _unready(shown),
        )
        updated = await tx.communications.get(item.id)
        assert updated is not None
        if publish:  # README: Public notice page and feed
            await notices.publish_in(
                tx, plan=plan, incident=incident, item=updated, actor=actor, channel=channel
            )
    return updated


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
            text=texts("log.discarded", nr=item.id, name=actor.name),
        )
        updated = await tx.communications.get(item.id)
    assert updated is not None
    return updated
