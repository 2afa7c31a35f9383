"""The public notice page (``/info``) and its Atom feed: what residents may read without
signing in.

An approved communication meant for residents (``PUBLIC_TEMPLATES``) is published when the
leader chooses so at approval (``communications.approve(publish=True)``) or afterwards
(``publish``); a published notice can be withdrawn (``withdraw``) and corrected by publishing a
later communication. The stand-down publishes an all-clear (``incident.all_clear``) when the
incident had published notices. Drills never publish. Every rule lives here: the web form, the
API and any other way in call these functions. Each step writes its situation-log entry
("offentliggjort på /info") and its audit row in the same transaction.

Only the subject and text the leader approved reach the page, and only after a check that
they carry no personal data (``personal_data``): no phone number or email address, no name
from the directory, no police journal number, nothing from a sensitive log entry. Who
published or withdrew a notice is logged but never shown.
"""

from __future__ import annotations

import re

from beredskab.boundary import bounds
from beredskab.communications.texts import texts
from beredskab.errors import InvalidStateError, NotFoundError, Phrase
from beredskab.incident import situation_log
from beredskab.incident.lookup import playbook_of, require
from beredskab.models import EntryKind, Incident
from beredskab.plan import Plan
from beredskab.security import access, audit
from beredskab.storage import Database, Tx
from beredskab.storage.repositories.communications import Communication, CommunicationStatus
from beredskab.storage.repositories.notices import Notice, NoticeKind
from contacts.models import Person
from playbooks.schema import TemplateKind

__all__ = [
    "MAX_NOTE",
    "PUBLIC_TEMPLATES",
    "PersonalDataError",
    "personal_data",
    "publish",
    "publish_in",
    "publishable",
    "withdraw",
]

PUBLIC_TEMPLATES = frozenset({TemplateKind.RESIDENT_INFORMATION})
"""Templates written for residents, the only ones that may go on the public page."""
MAX_NOTE = 500
"""The public reason given with a withdrawal."""


_JOURNAL = re.compile(r"\b\d{4}-\d{5}-\d{5}-\d{2}\b")
"""The shape of a Danish police journal number (kreds-nr-løbenr-år)."""
_SENSITIVE_MIN = 12
"""A sensitive log entry's text shorter than this is too common to be recognised."""


class PersonalDataError(InvalidStateError):
    """A text meant for the public page carries personal data."""


def publishable(item: Communication, incident: Incident) -> bool:
    """True if this communication may be offered for the public page (written for residents,
    of a real incident, not set aside)."""
    return (
        not incident.drill
        and item.template in {t.value for t in PUBLIC_TEMPLATES}
        and item.status is not CommunicationStatus.DISCARDED
    )


def _has_name(text: str, lowered: str, person: Person) -> bool:
    name = person.name.strip()
    if len(name) < 4 or name.casefold() not in lowered:  # the cheap test first
        return False
    return re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE) is not None


def personal_data(
    text: str, *, plan: Plan, incident: Incident, sensitive: list[str] | tuple[str, ...] = ()
) -> Phrase | None:
    """What kind of personal data ``text`` carries, or None: the incident's journal number (or
    anything shaped like one), the phone number or email address of anyone in the contact
    directory (people and outreach targets), a directory person's name or a sensitive log
    entry's text. A public number or address (Borgerservice, info@…) is not personal data: the
    leader who approves the text answers for those."""
    lowered = text.casefold()
    if (incident.police_case and incident.police_case.casefold() in lowered) or _JOURNAL.search(
        text
    ):
        return Phrase("a police journal number")
    people = plan.directory.people
    targets = plan.directory.targets_in_zone(None)
    emails = [p.email for p in people if p.email] + [t.email for t in targets if t.email]
    phones = [p.phone for p in people if p.phone] + [t.phone for t in targets if t.phone]
    if any(email.casefold() in lowered for email in emails):
        return Phrase("an email address")
    digits = re.sub(r"[\s-]", "", text)
    if any(phone.removeprefix("+45") in digits for phone in phones):
        return Phrase("a phone number")
    if any(_has_name(text, lowered, p) for p in people):
        return Phrase("a name from the contact directory")
    if any(len(s.strip()) >= _SENSITIVE_MIN and s.strip().casefold() in lowered for s in sensitive):
        return Phrase("text from a sensitive log entry")
    return None


async def _log(
    tx: Tx, *, incident_id: int, actor: Person, action: str, channel: str, text: str, item: int
) -> None:
    await situation_log.append(
        tx, incident_id=incident_id, kind=EntryKind.DECISION, actor=actor.id, text=text
    )
    await audit.record(
        tx,
        actor=actor.id,
        action=f"notice.{action}",
        channel=channel,
        incident_id=incident_id,
        detail=f"notice {item}",
    )


async def publish_in(
    tx: Tx, *, plan: Plan, incident: Incident, item: Communication, actor: Person, channel: str
) -> Notice:
    """Publish an approved (or sent) resident communication on the public page, in the
    caller's transaction; the caller has checked that ``actor`` is the leader."""
    if incident.drill:
        raise InvalidStateError(
            "a drill is never published on the public page; approve without publishing"
        )
    if item.template not in {t.value for t in PUBLIC_TEMPLATES}:
        raise InvalidStateError(
            "only a communication for residents ({templates}) goes on the public page",
            templates=", ".join(sorted(t.value for t in PUBLIC_TEMPLATES)),
        )
    if item.status not in (CommunicationStatus.APPROVED, CommunicationStatus.SENT):
        raise InvalidStateError(
            "communication {communication} is {status}; only an approved one is published",
            communication=item.id,
            status=item.status,
        )
    await tx.incidents.lock(incident.id)  # two publications of one text queue up here
    if await tx.notices.of_communication(item.id) is not None:
        raise InvalidStateError(
            "communication {communication} is already on the public page", communication=item.id
        )
    sensitive = [e.text for e in await tx.log.list(incident.id) if e.sensitive]
    found = personal_data(
        f"{item.subject}\n{item.text}", plan=plan, incident=incident, sensitive=sensitive
    )
    if found is not None:
        raise PersonalDataError(
            "the communication contains {what}; the public page carries no personal data, "
            "so edit a new draft without it",
            what=found,
        )
    notice = await tx.notices.add(
        incident_id=incident.id,
        communication_id=item.id,
        kind=NoticeKind.NOTICE,
        title=item.subject,
        text=item.text,
        published_by=actor.id,
        now=tx.now,
    )
    await _log(
        tx,
        incident_id=incident.id,
        actor=actor,
        action="publish",
        channel=channel,
        item=notice.id,
        text=texts("notice.published", nr=item.id, name=actor.name, subject=item.subject),
    )
    return notice


def _leader(plan: Plan, incident: Incident, actor: Person, *, action: str, channel: str) -> None:
    access.require_role(
        actor,
        [playbook_of(plan, incident).leader_role],
        action=f"notice.{action}",
        channel=channel,
        what=Phrase(
            "publish on the public page" if action == "publish" else "withdraw a public notice"
        ),
        incident_id=incident.id,
    )


async def publish(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    communication_id: int,
    actor_id: str,
    channel: str,
) -> Notice:
    """The leader publishes an already approved resident communication of an open incident."""
    actor = access.person(plan, actor_id)
    async with access.audited(db), db.transaction() as tx:
        incident = await require(tx, incident_id)
        _leader(plan, incident, actor, action="publish", channel=channel)
        if incident.closed_at is not None:
            raise InvalidStateError(
                "incident {nr} is closed; its all-clear is on the public page", nr=incident_id
            )
        item = await tx.communications.get(communication_id)
        if item is None or item.incident_id != incident_id:
            raise NotFoundError(
                "incident {nr} has no communication {communication}",
                nr=incident_id,
                communication=communication_id,
            )
        return await publish_in(
            tx, plan=plan, incident=incident, item=item, actor=actor, channel=channel
        )


async def withdraw(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    notice_id: int,
    actor_id: str,
    channel: str,
    note: str = "",
) -> Notice:
    """The leader withdraws a published notice (also after the stand-down); the page and the
    feed keep its title and time, marked withdrawn with the public ``note``, without its text."""
    bounds.text(note, field="the note")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidStateError("the note may have {limit} characters", limit=MAX_NOTE)
    actor = access.person(plan, actor_id)
    async with access.audited(db), db.transaction() as tx:
        incident = await require(tx, incident_id)
        _leader(plan, incident, actor, action="withdraw", channel=channel)
        notice = await tx.notices.get(notice_id)
        if notice is None or notice.incident_id != incident_id:
            raise NotFoundError(
                "incident {nr} has no public notice {notice}", nr=incident_id, notice=notice_id
            )
        found = personal_data(note, plan=plan, incident=incident)
        if found is not None:
            raise PersonalDataError(
                "the note contains {what}; the public page carries no personal data", what=found
            )
        if not await tx.notices.withdraw(notice.id, by=actor.id, note=note, now=tx.now):
            raise InvalidStateError("public notice {notice} is already withdrawn", notice=notice.id)
        await _log(
            tx,
            incident_id=incident_id,
            actor=actor,
            action="withdraw",
            channel=channel,
            item=notice.id,
            text=texts(
                "notice.withdrawn_note" if note else "notice.withdrawn",
                nr=notice.id,
                name=actor.name,
                title=notice.title,
                note=note,
            ),
        )
        withdrawn = await tx.notices.get(notice.id)
    assert withdrawn is not None
    return withdrawn
