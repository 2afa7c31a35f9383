"""The situation picture (situationsbillede, seed §4 step 2): a versioned document per incident
with the playbook's headings, written by the beredskabsstab.

A revision changes one or more headings (text and sensitive flag), records who, when and
through which channel, and writes its situation-log entry in the same transaction. Saves are
optimistic: the writer names the version they started from, and a save on top of a newer
version is refused (``StalePictureError``), never merged or overwritten. The beredskabsstab is
the incident's participants (everyone asked to confirm who has not declined) and the
playbook's leader role; anyone else is refused and audited. A sensitive heading (declared so in
the playbook, or marked when written) is shown only to those who may read sensitive log entries
(``access.may_read_sensitive``) and never leaves in a message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from beredskab.boundary import bounds
from beredskab.catalog.texts import Texts
from beredskab.errors import InvalidStateError, NotFoundError
from beredskab.incident import situation_log
from beredskab.incident.lookup import require, require_open
from beredskab.models import Confirmation, ConfirmationStatus, EntryKind, Incident
from beredskab.plan import Plan
from beredskab.security import access, audit
from beredskab.storage import Database, Tx
from beredskab.storage.repositories.picture import PictureRevision, PictureSection
from contacts.models import Person
from playbooks.schema import Playbook

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

__all__ = [
    "MAX_TEXT",
    "Edit",
    "Heading",
    "NothingChangedError",
    "Picture",
    "PictureRevision",
    "PictureSection",
    "StalePictureError",
    "current",
    "find_heading",
    "in_staff",
    "may_edit",
    "revise",
    "state",
]

MAX_TEXT = 4000
"""The longest text of one heading (what a form, a chat message or the API carries)."""


class StalePictureError(InvalidStateError):
    """The picture was saved by someone else since the writer read it; nothing was saved."""


class NothingChangedError(InvalidStateError):
    """A revision that changes no heading's text or sensitive mark (nothing is saved)."""


@dataclass(frozen=True, slots=True)
class Edit:
    """A new text for one heading; ``sensitive`` None keeps the heading's current flag."""

    heading: str
    text: str
    sensitive: bool | None = None


@dataclass(frozen=True, slots=True)
class Heading:
    """One heading of the picture as it stands, and the revision that last wrote it."""

    title: str
    text: str
    sensitive: bool
    declared_sensitive: bool
    """The playbook makes this heading sensitive; it cannot be unmarked."""
    version: int | None
    author: str | None
    via: str | None
    at: datetime | None


@dataclass(frozen=True, slots=True)
class Picture:
    """The picture as it stands after its newest revision, with its whole history."""

    incident_id: int
    title: str
    version: int
    headings: tuple[Heading, ...]
    revisions: tuple[PictureRevision, ...]

    @property
    def updated_at(self) -> datetime | None:
        """When the newest revision was saved (None before the first)."""
        return self.revisions[-1].created_at if self.revisions else None

    @property
    def updated_by(self) -> str | None:
        """Who saved the newest revision."""
        return self.revisions[-1].author if self.revisions else None


def _playbook_headings(playbook: Playbook | None) -> tuple[tuple[str, ...], frozenset[str]]:
    if playbook is None:
        return (), frozenset()
    picture = playbook.situation_picture
    return picture.headings, frozenset(picture.sensitive)


def state(
    *, incident_id: int, playbook: Playbook | None, history: Sequence[PictureRevision]
) -> Picture:
    """Fold the revisions into the picture: the playbook's headings in order, then any heading
    an older plan had that was written (nothing written is ever dropped from view)."""
    titles, declared = _playbook_headings(playbook)
    latest: dict[str, tuple[PictureRevision, PictureSection]] = {}
    for revision in history:
        for section in revision.sections:
            latest[section.heading] = (revision, section)
    order = [*titles, *(h for h in latest if h not in titles)]
    headings = []
    for title in order:
        found = latest.get(title)
        rev, sec = found if found else (None, None)
        headings.append(
            Heading(
                title=title,
                text=sec.text if sec else "",
                sensitive=title in declared or (sec.sensitive if sec else False),
                declared_sensitive=title in declared,
                version=rev.version if rev else None,
                author=rev.author if rev else None,
                via=rev.via if rev else None,
                at=rev.created_at if rev else None,
            )
        )
    return Picture(
        incident_id=incident_id,
        title=playbook.situation_picture.title if playbook else "Situationsbillede",
        version=history[-1].version if history else 0,
        headings=tuple(headings),
        revisions=tuple(history),
    )


async def current(*, db: Database, plan: Plan, incident_id: int) -> Picture:
    """The incident's picture with every text (callers show sensitive text only to those who
    may read it)."""
    async with db.read() as tx:
        incident = await require(tx, incident_id)
        history = await tx.picture.history(incident_id)
    return state(
        incident_id=incident_id, playbook=plan.playbook(incident.playbook_id), history=history
    )


def find_heading(headings: Sequence[str], ref: str) -> str:
    """The heading ``ref`` names: its number (1, 2, ...), its text, or the start of exactly one
    heading's text (case-insensitive)."""
    wanted = ref.strip()
    number = bounds.parse_id(wanted)
    if number is not None and 1 <= number <= len(headings):
        return headings[number - 1]
    folded = wanted.casefold()
    exact = [h for h in headings if h.casefold() == folded]
    starts = [h for h in headings if folded and h.casefold().startswith(folded)]
    found = exact or starts
    if len(found) != 1:
        raise NotFoundError(
            "the situation picture has no single heading '{ref}'; give its number 1-{n} "
            "or the start of its text",
            ref=wanted[:60],
            n=len(headings),
        )
    return found[0]


def _leader(playbook: Playbook | None) -> str:
    return playbook.leader_role if playbook else "projektchef"


def in_staff(
    *, plan: Plan, incident: Incident, person: Person, confirmation: Confirmation | None
) -> bool:
    """True if the person is in the beredskabsstab: the playbook's leader role, or asked to
    confirm the incident (``confirmation``) and not declined."""
    if access.has_role(person, [_leader(plan.playbook(incident.playbook_id))]):
        return True
    return confirmation is not None and confirmation.status is not ConfirmationStatus.DECLINED


async def may_edit(tx: Tx, *, plan: Plan, incident: Incident, person: Person) -> bool:
    """True if the person may write the incident's picture (``in_staff``)."""
    found = await tx.incidents.confirmation(incident.id, person.id)
    return in_staff(plan=plan, incident=incident, person=person, confirmation=found)


def _checked_edits(edits: Sequence[Edit], titles: Sequence[str]) -> list[Edit]:
    if not edits:
        raise InvalidStateError("a revision of the situation picture changes at least one heading")
    seen: dict[str, Edit] = {}
    for edit in edits:
        title = find_heading(titles, edit.heading)
        if title in seen:
            raise InvalidStateError("the heading '{heading}' is given twice", heading=title)
        text = bounds.text(edit.text, field="the heading's text", max_chars=MAX_TEXT).strip()
        seen[title] = Edit(heading=title, text=text, sensitive=edit.sensitive)
    return list(seen.values())


def _log_text(version: int, actor: Person, changed: Sequence[PictureSection]) -> tuple[str, str]:
    """(the open entry, the sensitive entry or ""): sensitive text goes only in the second."""
    lines = [_t("log.picture.written", version=version, name=actor.name)]
    hidden = []
    for s in changed:
        said = _t("log.picture.section", heading=s.heading, text=s.text or _t("log.picture.empty"))
        if s.sensitive:
            lines.append(_t("log.picture.hidden", heading=s.heading))
            hidden.append(said)
        else:
            lines.append(said)
    secret = "\n".join([_t("log.picture.sensitive", version=version), *hidden])
    return "\n".join(lines), secret if hidden else ""


async def revise(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    actor_id: str,
    channel: str,
    base_version: int,
    edits: Sequence[Edit],
) -> Picture:
    """Save a new version of the picture on top of ``base_version`` (the version the writer
    read); a newer version saved meanwhile refuses the save with who saved it."""
    actor = access.person(plan, actor_id)
    if base_version < 0 or base_version > bounds.MAX_ID:
        raise InvalidStateError("the picture version {version} is not valid", version=base_version)
    async with access.audited(db), db.transaction() as tx:
        incident = await require_open(tx, incident_id)
        playbook = plan.playbook(incident.playbook_id)
        if not await may_edit(tx, plan=plan, incident=incident, person=actor):
            raise access.Refusal(
                "{name} ({person}) may not write the situation picture of incident {nr}: "
                "only its participants and the leader",
                name=actor.name,
                person=actor.id,
                nr=incident_id,
                actor=actor.id,
                action="picture.revise",
                channel=channel,
                incident_id=incident_id,
            )
        await tx.log.last(incident_id)  # the incident's row lock: one writer at a time
        history = await tx.picture.history(incident_id)
        before = state(incident_id=incident_id, playbook=playbook, history=history)
        if before.version != base_version and not history:
            raise StalePictureError(
                "the situation picture has not been written yet (version 0); you gave version "
                "{base}. Write it on top of version 0",
                base=base_version,
            )
        if before.version != base_version:
            newest = history[-1]
            author = plan.directory.person(newest.author)
            raise StalePictureError(
                "the situation picture was changed by {name} (version {version}) after you "
                "read version {base}; nothing was saved. Read it again and make your change "
                "on top of version {version}",
                name=author.name if author else newest.author,
                version=newest.version,
                base=base_version,
            )
        titles = [h.title for h in before.headings]
        by_title = {h.title: h for h in before.headings}
        reader = access.may_read_sensitive(plan=plan, incident=incident, person=actor)
        changed: list[PictureSection] = []
        for edit in _checked_edits(edits, titles):
            old = by_title[edit.heading]
            if old.sensitive and old.text and not reader:
                raise access.Refusal(
                    "{name} ({person}) may not change the sensitive heading '{heading}': "
                    "only those who may read sensitive entries can",
                    name=actor.name,
                    person=actor.id,
                    heading=old.title,
                    actor=actor.id,
                    action="picture.revise",
                    channel=channel,
                    incident_id=incident_id,
                )
            flag = old.declared_sensitive or (
                old.sensitive if edit.sensitive is None else edit.sensitive
            )
            if edit.text != old.text or flag != old.sensitive:
                changed.append(PictureSection(edit.heading, edit.text, flag))
        if not changed:
            raise NothingChangedError(
                "nothing changed in the situation picture (version {version}); "
                "write a new text or change a heading's sensitive mark",
                version=before.version,
            )
        version = before.version + 1
        open_text, secret = _log_text(version, actor, changed)
        entry = await situation_log.append(
            tx, incident_id=incident_id, kind=EntryKind.PICTURE, actor=actor.id, text=open_text
        )
        if secret:
            await situation_log.append(
                tx,
                incident_id=incident_id,
                kind=EntryKind.PICTURE,
                actor=actor.id,
                text=secret,
                sensitive=True,
            )
        revision = PictureRevision(
            incident_id=incident_id,
            version=version,
            author=actor.id,
            via=channel,
            created_at=tx.now,
            log_seq=entry.seq,
            sections=tuple(changed),
        )
        await tx.picture.add(revision)
        await audit.record(
            tx,
            actor=actor.id,
            action="picture.revise",
            channel=channel,
            incident_id=incident_id,
            detail=f"version {version}: {len(changed)} heading(s), "
            f"{sum(s.sensitive for s in changed)} sensitive",
        )
    return state(incident_id=incident_id, playbook=playbook, history=[*history, revision])
