"""Lookups over a loaded directory: by id, role, phone, email and zone."""

from __future__ import annotations

from collections.abc import Iterable

from contacts.errors import Problem
from contacts.models import Addressee, Assignment, DirectoryFile, Person, Role, Target


class Directory:
    """A read-only, indexed view of a validated directory file.

    Every lookup is a dict access: the indexes are built once, in one pass per section, so
    building a directory and each lookup stay linear in its size however often they are asked.
    """

    def __init__(
        self,
        data: DirectoryFile,
        *,
        source: str = "",
        text: str = "",
        warnings: tuple[Problem, ...] = (),
    ) -> None:
        self.data = data
        self.warnings = warnings
        self.source = source
        self.text = text
        self._people = {p.id: p for p in data.people}
        self._roles = {r.id: r for r in data.roles}
        self._targets = {t.id: t for t in data.targets}
        self._by_phone = {p.phone: p for p in data.people if p.phone}
        self._by_email = {p.email.lower(): p for p in data.people if p.email}
        positions: dict[str, list[int]] = {}  # role id -> positions in data.people
        for i, person in enumerate(data.people):
            for role in dict.fromkeys(person.roles):  # once per person
                positions.setdefault(role, []).append(i)
        self._role_positions = positions
        self._by_role = {
            role: tuple(data.people[i] for i in found) for role, found in positions.items()
        }

    @property
    def example(self) -> bool:
        """True for a fictional example directory (refused with live providers)."""
        return self.data.example

    @property
    def people(self) -> tuple[Person, ...]:
        """Everyone in file order."""
        return self.data.people

    @property
    def roles(self) -> tuple[Role, ...]:
        """Every declared role in file order."""
        return self.data.roles

    @property
    def assignments(self) -> tuple[Assignment, ...]:
        """Every standing outreach assignment in file order."""
        return self.data.assignments

    def person(self, person_id: str) -> Person | None:
        """The person with this id, if any."""
        return self._people.get(person_id)

    def role(self, role_id: str) -> Role | None:
        """The role with this id, if any."""
        return self._roles.get(role_id)

    def target(self, target_id: str) -> Target | None:
        """The outreach target with this id, if any."""
        return self._targets.get(target_id)

    def with_role(self, role_id: str) -> tuple[Person, ...]:
        """Everyone holding a role, in file order."""
        return self._by_role.get(role_id, ())

    def with_any_role(self, role_ids: Iterable[str]) -> tuple[Person, ...]:
        """Everyone holding at least one of the roles, in file order, once each."""
        found = {i for role in set(role_ids) for i in self._role_positions.get(role, ())}
        return tuple(self.data.people[i] for i in sorted(found))

    def by_phone(self, e164: str) -> Person | None:
        """The person with this E.164 phone number, if any."""
        return self._by_phone.get(e164)

    def by_email(self, email: str) -> Person | None:
        """The person with this email address (case-insensitive), if any."""
        return self._by_email.get(email.lower())

    def targets_in_zone(self, zone: int | None) -> tuple[Target, ...]:
        """Targets of a zone plus area-wide targets; every target when zone is None."""
        return tuple(
            t for t in self.data.targets if zone is None or t.zone is None or t.zone == zone
        )

    def addressees(self, group: str, zone: int | None) -> tuple[Addressee, ...]:
        """A communication group's entries for a zone plus its area-wide ones (every entry
        when zone is None), in file order."""
        return tuple(
            a
            for a in self.data.addressees
            if a.group == group and (zone is None or a.zone is None or a.zone == zone)
        )
