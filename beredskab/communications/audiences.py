"""Who a crisis communication goes to and who may draft and approve it.

A communication picks one or more audiences (stored as their ids joined by commas, in the
order of ``AUDIENCES``): the board (a directory role), the operations departments and the
partners (outreach target groups), the press, institutions, businesses and associations (the
directory's ``[[addressees]]`` groups) and the subscribed residents of the incident's zone
(``beredskab.residents``; sent in chunks by ``communications.resident_send``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from beredskab.communications.texts import texts
from beredskab.errors import InvalidStateError, NotFoundError
from beredskab.models import Incident
from beredskab.plan import Plan
from beredskab.security import access
from contacts.models import Person
from notifier.types import ChannelKind
from playbooks.schema import Playbook, TemplateKind

BOARD_ROLE = "bestyrelse"
"""The directory role of the members of the board (den boligsociale bestyrelse)."""
STAFF_ROLE = "sekretariat"
"""Secretariat staff draft and send communications (the leader approves them)."""


@dataclass(frozen=True, slots=True)
class Audience:
    """A group a communication goes to and its usual template; ``name`` is for the log."""

    id: str
    template: TemplateKind
    role: str | None = None
    group: str | None = None
    addressees: str | None = None
    """The directory's ``[[addressees]]`` group (press, institutions, …)."""
    email_only: bool = False
    """Written to by email alone (the press)."""
    residents: bool = False
    """The subscribed residents of the incident's zone (not directory entries)."""

    @property
    def name(self) -> str:
        """The audience in Danish words, for the log ("bestyrelsen")."""
        texts.mark(
            "audience.board",
            "audience.operations",
            "audience.partners",
            "audience.residents",
            "audience.press",
            "audience.institutions",
            "audience.businesses",
            "audience.associations",
        )
        return texts(f"audience.{self.id}")


AUDIENCES: dict[str, Audience] = {
    a.id: a
    for a in (
        Audience("board", TemplateKind.BOARD_ORIENTATION, role=BOARD_ROLE),
        Audience("operations", TemplateKind.PARTNER_INFORMATION, group="varmemestre-driftschefer"),
        Audience("partners", TemplateKind.PARTNER_INFORMATION, group="samarbejdspartnere"),
        Audience("residents", TemplateKind.RESIDENT_INFORMATION, residents=True),
        Audience("press", TemplateKind.MEDIA_HOLDING_LINE, addressees="presse", email_only=True),
        Audience("institutions", TemplateKind.PARTNER_INFORMATION, addressees="institutioner"),
        Audience("businesses", TemplateKind.PARTNER_INFORMATION, addressees="virksomheder"),
        Audience("associations", TemplateKind.PARTNER_INFORMATION, addressees="foreninger"),
    )
}
RESIDENTS = "residents"
PRESS = "press"
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
    """Who the audience is for this incident from the directory: the board's members, or the
    group's targets or addressees in the incident's zone (and those serving the whole area).
    The residents are not here: they are read from their subscriptions when it is sent."""
    directory = plan.directory
    if audience.residents:
        return ()
    if audience.addressees is not None:
        return tuple(
            Recipient(
                a.id,
                a.name,
                _channels(a.email, None if audience.email_only else a.phone),
                a.language,
            )
            for a in directory.addressees(audience.addressees, incident.zone)
        )
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
    found = AUDIENCES.get(audience.strip())
    if found is None:
        raise NotFoundError(
            "no audience '{audience}'; choose one of: {choices}",
            audience=audience[:40],
            choices=", ".join(AUDIENCES),
        )
    return found


def chosen(ids: Iterable[str]) -> str:
    """The stored form of a choice of audiences (ids joined by commas, in ``AUDIENCES``
    order, each once); a clear error for an unknown id or an empty choice."""
    picked = {audience_of(part).id for value in ids for part in value.split(",") if part.strip()}
    if not picked:
        raise InvalidStateError(
            "choose at least one audience: {choices}", choices=", ".join(AUDIENCES)
        )
    return ",".join(a for a in AUDIENCES if a in picked)


def audiences_of(stored: str) -> tuple[Audience, ...]:
    """The audiences of a communication (its stored ``audience``), in ``AUDIENCES`` order;
    ids no longer known are left out."""
    parts = set(stored.split(","))
    return tuple(a for a in AUDIENCES.values() if a.id in parts)


def names(stored: str) -> str:
    """The audiences of a communication in Danish, for the log: "pressen og bestyrelsen"."""
    found = [a.name for a in audiences_of(stored)] or [stored]
    if len(found) == 1:
        return found[0]
    return texts("audience.and", first=", ".join(found[:-1]), last=found[-1])


def everyone(*, plan: Plan, incident: Incident, stored: str) -> tuple[Recipient, ...]:
    """The directory recipients of all of a communication's audiences, each once (by id)."""
    seen: dict[str, Recipient] = {}
    for audience in audiences_of(stored):
        for r in recipients(plan=plan, incident=incident, audience=audience):
            seen.setdefault(r.id, r)
    return tuple(seen.values())
