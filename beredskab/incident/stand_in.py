"""Who stands in for a person who has not answered or has declined.

In this order: the person's own deputy; then, for each role the playbook calls the person
for (or, for someone called otherwise, e.g. as a deputy, each of their roles), the role's
holders that the playbook does not call anyway (the next in the directory's order after the
person first) and the role's own ``deputies`` list. The first of them who is neither called
by the playbook nor already asked in the incident is asked (``sweep.ask_deputy``); the log
says who was passed over and why. Mutual deputies who are both participants (two people of
one called role who name each other) would otherwise leave nobody to ask; ``readiness``
warns about them.
"""

from __future__ import annotations

from collections.abc import Iterator

from beredskab.catalog.texts import Texts
from contacts.directory import Directory
from contacts.models import Person
from playbooks.schema import Playbook

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""


def called(playbook: Playbook, person: Person) -> bool:
    """Whether the playbook calls ``person`` itself (one of their roles is a participant)."""
    return any(role in playbook.participants for role in person.roles)


def candidates(
    directory: Directory, playbook: Playbook, person: Person
) -> Iterator[tuple[Person, str]]:
    """Everyone who may stand in for ``person``, in order, each with how they relate to them
    (Danish, for the log): "stedfortræder", "næste i rollen …", "stedfortræder for rollen …"."""
    seen = {person.id}

    def fresh(candidate: Person | None) -> bool:
        if candidate is None or candidate.id in seen:
            return False
        seen.add(candidate.id)
        return True

    deputy = directory.person(person.deputy) if person.deputy else None
    if fresh(deputy):
        assert deputy is not None
        yield deputy, _t("stand_in.deputy")
    called_as = [r for r in person.roles if r in playbook.participants]
    for role_id in called_as or person.roles:  # stand in for the function they are called for
        role = directory.role(role_id)
        name = role.name if role else role_id
        if role_id not in playbook.participants:
            holders = directory.with_role(role_id)
            at = next((i for i, p in enumerate(holders) if p.id == person.id), -1)
            for holder in (*holders[at + 1 :], *holders[: max(at, 0)]):
                if fresh(holder):
                    yield holder, _t("stand_in.next_in_role", role=name)
        for deputy_id in role.deputies if role else ():
            candidate = directory.person(deputy_id)
            if fresh(candidate):
                assert candidate is not None
                yield candidate, _t("stand_in.role_deputy", role=name)
