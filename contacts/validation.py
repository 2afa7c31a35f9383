"""Semantic checks of a directory file: references, uniqueness, reachability.

Every check is one pass over its section with sets and dicts built once, so validating a
directory takes time linear in its size (tests/contacts/test_linear.py counts the work).
"""

from __future__ import annotations

from collections import Counter

from contacts.errors import Problem
from contacts.models import DirectoryFile, Person


def validate_directory(data: DirectoryFile, file: str) -> list[Problem]:
    """Every semantic problem (errors and warnings) of a parsed directory file."""
    problems: list[Problem] = []
    problems += _unique(file, "roles", [r.id for r in data.roles])
    problems += _unique(file, "people", [p.id for p in data.people])
    problems += _unique(file, "targets", [t.id for t in data.targets])
    problems += _people(data, file)
    problems += _roles(data, file)
    problems += _assignments(data, file)
    problems += _unique(file, "addressees", [a.id for a in data.addressees])
    problems += _addressees(data, file)
    return problems


def _unique(file: str, section: str, ids: list[str]) -> list[Problem]:
    """A problem for every entry whose id an earlier entry already has."""
    seen: set[str] = set()
    out: list[Problem] = []
    for i, value in enumerate(ids):
        if value in seen:
            out.append(
                Problem(
                    file,
                    f"{section}[{i}].id",
                    f"id {value!r} is used more than once in {section}",
                    "give every entry its own id",
                )
            )
        seen.add(value)
    return out


def _people(data: DirectoryFile, file: str) -> list[Problem]:
    out: list[Problem] = []
    roles = {r.id for r in data.roles}
    people = {p.id for p in data.people}
    first_phone: dict[str, str] = {}
    first_email: dict[str, str] = {}
    for i, person in enumerate(data.people):
        # the usual person (declared roles, no odd deputy or zone, both channels, unique
        # phone and email) costs set lookups only; the key is built when a problem is found
        phone, email, deputy = person.phone, person.email, person.deputy
        if (
            roles.issuperset(person.roles)
            and (deputy is None or (deputy != person.id and deputy in people))
            and all(1 <= zone <= 4 for zone in person.zones)
            and phone is not None
            and email is not None
            and phone.lower() not in first_phone
            and email.lower() not in first_email
        ):
            first_phone[phone.lower()] = person.id
            first_email[email.lower()] = person.id
            continue
        out += _person(file, f"people[{i}]", person, roles, people, first_phone, first_email)
    return out


def _person(
    file: str,
    key: str,
    person: Person,
    roles: set[str],
    people: set[str],
    first_phone: dict[str, str],
    first_email: dict[str, str],
) -> list[Problem]:
    """Every problem of one person (the long way, for a person with at least one)."""
    out: list[Problem] = []
    for j, role in enumerate(person.roles):
        if role not in roles:
            out.append(
                Problem(
                    file,
                    f"{key}.roles[{j}]",
                    f"role {role!r} is not declared in roles",
                    f"add a [[roles]] entry with id = {role!r} or fix the spelling; "
                    f"declared: {', '.join(sorted(roles))}",
                )
            )
    if person.deputy is not None:
        if person.deputy == person.id:
            out.append(
                Problem(
                    file,
                    f"{key}.deputy",
                    "a person cannot be their own deputy",
                    "name another person's id, or remove deputy",
                )
            )
        elif person.deputy not in people:
            out.append(
                Problem(
                    file,
                    f"{key}.deputy",
                    f"deputy {person.deputy!r} is not a person in this directory",
                    "use the id of an entry under [[people]]",
                )
            )
    for j, zone in enumerate(person.zones):
        if not 1 <= zone <= 4:
            out.append(
                Problem(
                    file,
                    f"{key}.zones[{j}]",
                    f"zone {zone} does not exist",
                    "zones are 1, 2, 3 or 4",
                )
            )
    out += _channels(file, key, person.id, person.phone, person.email)
    for attr, seen in (("phone", first_phone), ("email", first_email)):
        value = getattr(person, attr)
        if value is None:
            continue
        norm = value.lower()
        if norm in seen:
            out.append(
                Problem(
                    file,
                    f"{key}.{attr}",
                    f"{attr} {value} is also used by {seen[norm]!r}",
                    "each person needs their own number and address: replies and SMS "
                    "commands are matched to people by them",
                )
            )
        else:
            seen[norm] = person.id
    return out


def _channels(file: str, key: str, pid: str, phone: str | None, email: str | None) -> list[Problem]:
    if phone is None and email is None:
        return [
            Problem(
                file,
                key,
                f"{pid!r} has neither phone nor email and cannot be reached",
                "add phone and email",
            )
        ]
    if phone is None or email is None:
        missing = "phone" if phone is None else "email"
        return [
            Problem(
                file,
                f"{key}.{missing}",
                f"{pid!r} can only be reached on one channel",
                f"add {missing} so a failed delivery can fall back to another channel",
                severity="warning",
            )
        ]
    return []


def _roles(data: DirectoryFile, file: str) -> list[Problem]:
    holders = Counter(role for p in data.people for role in set(p.roles))
    first_holder: dict[str, Person] = {}
    for person in data.people:
        for held in person.roles:
            first_holder.setdefault(held, person)
    out: list[Problem] = []
    people = {p.id for p in data.people}
    for i, role in enumerate(data.roles):
        for j, deputy in enumerate(role.deputies):
            if deputy not in people:
                out.append(
                    Problem(
                        file,
                        f"roles[{i}].deputies[{j}]",
                        f"deputy {deputy!r} is not a person in this directory",
                        "use the id of an entry under [[people]]",
                    )
                )
        count = holders[role.id]
        if count == 0:
            out.append(
                Problem(
                    file,
                    f"roles[{i}]",
                    f"nobody holds role {role.id!r}",
                    "give the role to at least two people",
                    severity="warning",
                )
            )
        elif count == 1:
            holder = first_holder[role.id]
            hint = (
                f"{holder.deputy!r} stands in as deputy; still, consider a second person"
                if holder.deputy
                else "give the role to a second person, or name a deputy"
            )
            out.append(
                Problem(
                    file,
                    f"roles[{i}]",
                    f"only one person holds role {role.id!r}",
                    hint,
                    severity="warning",
                )
            )
    return out


def _assignments(data: DirectoryFile, file: str) -> list[Problem]:
    people = {p.id for p in data.people}
    targets = {t.id for t in data.targets}
    out: list[Problem] = []
    for i, assignment in enumerate(data.assignments):
        if assignment.staff not in people:
            out.append(
                Problem(
                    file,
                    f"assignments[{i}].staff",
                    f"staff {assignment.staff!r} is not a person in this directory",
                    "use the id of an entry under [[people]]",
                )
            )
        for j, target in enumerate(assignment.targets):
            if target not in targets:
                out.append(
                    Problem(
                        file,
                        f"assignments[{i}].targets[{j}]",
                        f"target {target!r} is not defined under [[targets]]",
                        "use the id of an entry under [[targets]] or add it",
                    )
                )
    return out


def _addressees(data: DirectoryFile, file: str) -> list[Problem]:
    """Every entry of a communication group can be reached; the press by email."""
    out: list[Problem] = []
    for i, entry in enumerate(data.addressees):
        key = f"addressees[{i}]"
        if entry.group == "presse" and entry.email is None:
            out.append(
                Problem(
                    file,
                    f"{key}.email",
                    f"{entry.id!r} is on the media list without an email address",
                    "add email: the press gets the approved holding line by email",
                )
            )
        elif entry.phone is None and entry.email is None:
            out.append(
                Problem(
                    file,
                    key,
                    f"{entry.id!r} has neither phone nor email and cannot be reached",
                    "add email or phone",
                )
            )
    return out
