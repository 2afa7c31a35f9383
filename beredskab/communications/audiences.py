"""Who a crisis communication goes to (the board, the operations departments, the partners)
and who may draft and approve it."""

from __future__ import annotations

from dataclasses import dataclass

from beredskab import access
from beredskab.errors import NotFoundError
from beredskab.models import Incident
from beredskab.plan import Plan
from contacts.models import Person
from notifier.types import ChannelKind
from playbooks.schema import Playbook, TemplateKind

BOARD_ROLE = "bestyrelse"
"""The directory role of the members of the board (den boligsociale bestyrelse)."""
STAFF_ROLE = "sekretariat"
"""Secretariat staff draft and send communications (the leader approves them)."""


@dataclass(frozen=True, slots=True)
class Audience:
    """A group a communication goes to, in Danish for the log, and its usual template."""

    id: str
    name: str
    template: TemplateKind
    role: str | None = None
    group: str | None = None


AUDIENCES: dict[str, Audience] = {
    a.id: a
    for a in (
        Audience("board", "bestyrelsen", TemplateKind.BOARD_ORIENTATION, role=BOARD_ROLE),
        Audience(
            "operations",
            "driftsafdelingerne",
            TemplateKind.PARTNER_INFORMATION,
            group="varmemestre-driftschefer",
        ),
        Audience(
            "partners",
            "samarbejdspartnerne",
            TemplateKind.PARTNER_INFORMATION,
            group="samarbejdspartnere",
        ),
    )
}
TEMPLATES: tuple[TemplateKind, ...] = (
    TemplateKind.BOARD_ORIENTATION,
    TemplateKind.PARTNER_INFORMATION,
    TemplateKind.RESIDENT_INFORMATION,
    TemplateKind.MEDIA_HOLDING_LINE,
)
"""The crisis-communication templates a draft can start from."""


@dataclass(frozen=True, slots=True)
class Recipient:
    """Someone a communication goes to: a directory person or an outreach target."""

    id: str
    name: str
    channels: tuple[tuple[ChannelKind, str], ...]
    language: str = "da"
    """The language they read (``communications.languages.text_for`` picks their text)."""


def drafters(playbook: Playbook) -> tuple[str, ...]:
    """Roles that draft, edit and send: the leader, the plan's responsible roles, the staff."""
    responsible = {c.responsible_role for c in playbook.communication}
    return (playbook.leader_role, *sorted(responsible), STAFF_ROLE)


def may_draft(*, playbook: Playbook, person: Person) -> bool:
    """True if the person may draft, edit and send crisis communications."""
    return access.has_role(person, drafters(playbook))


def may_approve(*, playbook: Playbook, person: Person) -> bool:
    """True if the person may approve a communication (the playbook's leader role)."""
    return access.has_role(person, [playbook.leader_role])


def _channels(email: str | None, phone: str | None) -> tuple[tuple[ChannelKind, str], ...]:
    found: list[tuple[ChannelKind, str]] = []
    if email:
        found.append((ChannelKind.EMAIL, email))
    if phone:
        found.append((ChannelKind.SMS, phone))
    return tuple(found)


def recipients(*, plan: Plan, incident: Incident, audience: Audience) -> tuple[Recipient, ...]:
    """Who the audience is for this incident: the board's members, or the group's targets in
    the incident's zone (and those serving the whole area)."""
    directory = plan.directory
    if audience.role is not None:
        return tuple(
            Recipient(p.id, p.name, _channels(p.email, p.phone), p.language)
            for p in directory.with_role(audience.role)
        )
    return tuple(
        Recipient(t.id, t.name, _channels(t.email, t.phone), t.language)
        for t in directory.targets_in_zone(incident.zone)
        if t.group == audience.group
    )


def audience_of(audience: str) -> Audience:
    """The audience with this id, or a clear error listing the choices."""
    found = AUDIENCES.get(audience)
    if found is None:
        raise NotFoundError(
            "no audience '{audience}'; choose one of: {choices}",
            audience=audience,
            choices=", ".join(AUDIENCES),
        )
    return found
