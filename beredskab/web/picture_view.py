"""What the incident page shows of the situation picture to one viewer.

A sensitive heading's text reaches only a viewer who may read sensitive entries (the page
audits that read with the log's sensitive entries, which carry the same text); anyone else
sees that the heading is sensitive, not what it says, and gets no field to overwrite it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from beredskab.i18n import clock
from beredskab.incident import picture
from beredskab.models import Confirmation, Incident, IncidentStatus
from beredskab.plan import Plan
from beredskab.storage.repositories.picture import PictureRevision
from contacts.models import Person


def _local(value: datetime | None) -> str:
    return clock(value, now=datetime.now(UTC)) if value else ""


def _name(plan: Plan, person_id: str | None) -> str:
    if not person_id:
        return ""
    person = plan.directory.person(person_id)
    return person.name if person else person_id


@dataclass(frozen=True, slots=True)
class HeadingRow:
    """One heading as this viewer sees it."""

    number: int
    title: str
    text: str
    withheld: bool
    """Sensitive text this viewer may not read (``text`` is then empty)."""
    sensitive: bool
    declared_sensitive: bool
    author: str
    at: str
    may_edit: bool


@dataclass(frozen=True, slots=True)
class PictureView:
    """The picture on the incident page: the latest version, who wrote it, what the viewer
    may do."""

    title: str
    version: int
    updated_by: str
    updated_at: str
    headings: tuple[HeadingRow, ...]
    may_edit: bool
    may_brief: bool
    """The viewer may draft a briefing and there is something to brief about."""


def build(
    *,
    plan: Plan,
    incident: Incident,
    person: Person,
    history: Sequence[PictureRevision],
    confirmations: Sequence[Confirmation],
    read_sensitive: bool,
    may_draft: bool,
) -> PictureView:
    """The picture for one viewer from the incident's revisions."""
    now = picture.state(
        incident_id=incident.id, playbook=plan.playbook(incident.playbook_id), history=history
    )
    mine = next((c for c in confirmations if c.person_id == person.id), None)
    is_open = incident.status is IncidentStatus.ACTIVE
    staff = is_open and picture.in_staff(
        plan=plan, incident=incident, person=person, confirmation=mine
    )
    rows = []
    for number, h in enumerate(now.headings, start=1):
        withheld = h.sensitive and bool(h.text) and not read_sensitive
        rows.append(
            HeadingRow(
                number=number,
                title=h.title,
                text="" if withheld else h.text,
                withheld=withheld,
                sensitive=h.sensitive,
                declared_sensitive=h.declared_sensitive,
                author=_name(plan, h.author),
                at=_local(h.at),
                may_edit=staff and not withheld,
            )
        )
    return PictureView(
        title=now.title,
        version=now.version,
        updated_by=_name(plan, now.updated_by),
        updated_at=_local(now.updated_at),
        headings=tuple(rows),
        may_edit=staff,
        may_brief=is_open and may_draft and any(h.text and not h.sensitive for h in now.headings),
    )
