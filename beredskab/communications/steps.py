"""The steps every crisis-communication use case shares: the open incident and the actor's
right, the communication itself, a checked text, and the log and audit of each step."""

from __future__ import annotations

from beredskab.communications.audiences import drafters
from beredskab.communications.texts import texts
from beredskab.errors import InvalidStateError, NotFoundError, Phrase
from beredskab.incident import acknowledgements, situation_log
from beredskab.incident.lookup import playbook_of, require_open
from beredskab.models import EntryKind, Incident
from beredskab.plan import Plan
from beredskab.security import access, audit
from beredskab.storage import Tx
from beredskab.storage.repositories.communications import Communication
from contacts.models import Person
from playbooks.schema import Playbook

MAX_SUBJECT = 200
MAX_TEXT = 1600
"""The text is sent as it stands by email and by SMS, so it must fit Twilio's 1600 characters."""

WHAT = {
    "draft": Phrase("draft crisis communication"),
    "edit": Phrase("edit crisis communication"),
    "translate": Phrase("edit a language variant of a crisis communication"),
    "approve": Phrase("approve crisis communication"),
    "send": Phrase("send crisis communication"),
    "discard": Phrase("discard crisis communication"),
}
"""What a refused actor may not do, by action (translated with the refusal)."""


def checked(subject: str, text: str) -> tuple[str, str]:
    """The subject and text stripped, or a clear error if empty or too long."""
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


async def open_for(
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
        what=WHAT[action],
        incident_id=incident_id,
    )
    return incident, playbook


async def communication_of(tx: Tx, incident_id: int, communication_id: int) -> Communication:
    """One communication of the incident, or a clear error."""
    item = await tx.communications.get(communication_id)
    if item is None or item.incident_id != incident_id:
        raise NotFoundError(
            "incident {nr} has no communication {communication}",
            nr=incident_id,
            communication=communication_id,
        )
    return item


async def record(
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
        action=texts("action.handle", nr=item),
    )
    await audit.record(
        tx,
        actor=actor.id,
        action=f"communication.{action}",
        channel=channel,
        incident_id=incident_id,
        detail=f"communication {item}",
    )
