"""The loaded plan: playbooks + contact directory, cross-validated, with a version hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from beredskab.errors import PlanInvalidError
from contacts.directory import Directory
from contacts.errors import ContactsError
from contacts.loader import load_directory
from playbooks.errors import PlaybookError
from playbooks.loader import PlaybookSet, load_playbooks
from playbooks.schema import OutreachAction, Playbook

if TYPE_CHECKING:
    from beredskab.i18n import Language


@dataclass(frozen=True)
class Plan:
    """Everything the service knows about the plan, immutable once loaded."""

    playbooks: PlaybookSet
    directory: Directory
    version: str
    warnings: tuple[str, ...]

    def playbook(self, ref: str) -> Playbook | None:
        """A playbook by id, number or name."""
        return self.playbooks.get(ref)

    def labels(self) -> dict[str, str]:
        """Display names by id: roles, outreach groups and people (for reports)."""
        found = {r.id: r.name for r in self.directory.roles}
        for playbook in self.playbooks.playbooks:
            found.update((g.id, g.name) for g in playbook.outreach_groups)
        found.update((p.id, p.name) for p in self.directory.people)
        return found


def load_plan(*, playbooks_dir: Path | None, directory_file: Path | None) -> Plan:
    """Load and cross-validate the plan; raise ``PlanInvalidError`` listing every problem."""
    problems: list[str] = []
    playbook_set: PlaybookSet | None = None
    directory: Directory | None = None
    try:
        playbook_set = load_playbooks(playbooks_dir)
    except PlaybookError as exc:
        problems.extend(str(p) for p in exc.problems)
    try:
        directory = load_directory(directory_file)
    except ContactsError as exc:
        problems.extend(str(p) for p in exc.problems)
    if playbook_set is None or directory is None:
        raise PlanInvalidError(problems)
    return assemble(playbook_set, directory)


def assemble(playbook_set: PlaybookSet, directory: Directory) -> Plan:
    """The plan of loaded playbooks and a loaded directory, cross-validated (the directory
    kept in the database is put together with the playbook files this way)."""
    cross_errors, cross_warnings = cross_check(playbook_set, directory)
    if cross_errors:
        raise PlanInvalidError(cross_errors)
    warnings = [str(w) for w in playbook_set.warnings] + [str(w) for w in directory.warnings]
    return Plan(
        playbooks=playbook_set,
        directory=directory,
        version=plan_version(playbook_set),
        warnings=tuple(warnings + cross_warnings),
    )


def plan_version(playbook_set: PlaybookSet) -> str:
    """A short hash of what the playbooks say: incidents and sign-offs refer to it.

    The hash covers a canonical serialisation of the parsed playbooks (every field, sorted
    keys), not the files: a comment, blank line or reformatting changes nothing, a changed
    deadline, text or role does. The contact directory is deliberately not part of it: the
    sign-off is about the plan's rules, while who holds a role changes weekly and is kept
    current by contact verification (see README, "The plan").
    """
    canonical = json.dumps(
        sorted((pb.model_dump(mode="json") for pb in playbook_set.playbooks), key=_by_id),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def _by_id(dumped: dict[str, Any]) -> str:
    return str(dumped["id"])


def _role_refs(playbook: Playbook) -> Iterator[tuple[str, str]]:
    """(key path, role id) for every role the playbook names."""
    yield "leader_role", playbook.leader_role
    for i, role in enumerate(playbook.activation.roles):
        yield f"activation.roles[{i}]", role
    for i, role in enumerate(playbook.participants):
        yield f"participants[{i}]", role
    for i, duty in enumerate(playbook.duties):
        yield f"duties[{i}].role", duty.role
    for i, step in enumerate(playbook.steps):
        yield f"steps[{i}].owner_role", step.owner_role
        for j, action in enumerate(step.actions):
            if not isinstance(action, OutreachAction):
                yield f"steps[{i}].actions[{j}].role", action.role
    for i, follow in enumerate(playbook.follow_up):
        yield f"follow_up[{i}].role", follow.role
    for i, meeting in enumerate(playbook.conveneable):
        yield f"conveneable[{i}].role", meeting.role
    for i, comm in enumerate(playbook.communication):
        yield f"communication[{i}].responsible_role", comm.responsible_role
        if comm.consult_role:
            yield f"communication[{i}].consult_role", comm.consult_role


def cross_check(playbook_set: PlaybookSet, directory: Directory) -> tuple[list[str], list[str]]:
    """Problems between playbooks and directory: (errors, warnings)."""
    errors: list[str] = []
    warnings: list[str] = []
    dir_name = directory.source or "directory"
    target_groups = {t.group for t in directory.data.targets}
    known_groups: set[str] = set()
    for playbook in playbook_set.playbooks:
        file = playbook_set.label(playbook.id)
        for key, role in _role_refs(playbook):
            if directory.role(role) is None:
                errors.append(
                    f"{file}: {key}: role '{role}' is not declared in {dir_name} "
                    f'(hint: add [[roles]] id = "{role}" to the directory or fix the spelling)'
                )
            elif not directory.with_role(role):
                errors.append(
                    f"{file}: {key}: nobody in {dir_name} holds role '{role}' "
                    f"(hint: add '{role}' to the roles of at least one person)"
                )
        for i, group in enumerate(playbook.outreach_groups):
            known_groups.add(group.id)
            if group.id not in target_groups:
                warnings.append(
                    f"{file}: outreach_groups[{i}]: no target in {dir_name} belongs to "
                    f"'{group.id}' (hint: add [[targets]] with group = \"{group.id}\")"
                )
    for i, target in enumerate(directory.data.targets):
        if target.group not in known_groups:
            errors.append(
                f"{dir_name}: targets[{i}].group: '{target.group}' is no playbook's outreach "
                f"group (hint: use one of {', '.join(sorted(known_groups)) or 'none defined'})"
            )
    return errors, warnings


def with_default_language(plan: Plan, default: Language) -> Plan:
    """The plan with ``default`` as the language of every person whose directory entry names
    none (``[service] language``); entries that name one keep it."""
    if default == "da":  # the directory's own default
        return plan
    directory = plan.directory
    people = tuple(
        p if "language" in p.model_fields_set else p.model_copy(update={"language": default})
        for p in directory.people
    )
    data = directory.data.model_copy(update={"people": people})
    rebuilt = Directory(
        data, source=directory.source, text=directory.text, warnings=directory.warnings
    )
    return replace(plan, directory=rebuilt)
