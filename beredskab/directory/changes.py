"""What a new directory changes against the current one: per person, role and target.

A person's entry includes ``contacts`` (who they contact), so a changed standing assignment
shows in the history of the staff member it belongs to.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from beredskab.directory.document import clean_entry, person_records
from contacts.models import DirectoryFile

Subject = Literal["person", "role", "target", "addressee", "directory"]
Action = Literal["added", "changed", "removed"]
SUBJECTS: tuple[Subject, ...] = ("person", "role", "target", "addressee", "directory")
ACTIONS: tuple[Action, ...] = ("added", "changed", "removed")


@dataclass(frozen=True, slots=True)
class Change:
    """One entry added, changed or removed, with the entry before and after."""

    subject: Subject
    subject_id: str
    action: Action
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def fields(self) -> list[str]:
        """The keys whose values differ (every key of an added or removed entry)."""
        before, after = self.before or {}, self.after or {}
        return [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]

    def row(self) -> tuple[str, str, str, str | None, str | None]:
        """(subject, id, action, before JSON, after JSON) as stored."""
        return (
            self.subject,
            self.subject_id,
            self.action,
            _json(self.before),
            _json(self.after),
        )


def stored(
    subject: str, subject_id: str, action: str, before: str | None, after: str | None
) -> Change:
    """A change as read back from the database."""
    kind: Subject = next((s for s in SUBJECTS if s == subject), "directory")
    did: Action = next((a for a in ACTIONS if a == action), "changed")
    return Change(
        kind,
        subject_id,
        did,
        None if before is None else dict(json.loads(before)),
        None if after is None else dict(json.loads(after)),
    )


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _entries(data: DirectoryFile | None, subject: Subject) -> dict[str, dict[str, Any]]:
    if data is None:
        return {}
    if subject == "person":
        return person_records(data)
    if subject == "role":
        items: tuple[Any, ...] = data.roles
    elif subject == "target":
        items = data.targets
    elif subject == "addressee":  # the media list and the communication groups
        items = data.addressees
    else:
        return {
            "directory": data.model_dump(
                mode="json", include={"name", "example"}, exclude_unset=False
            )
        }
    return {item.id: clean_entry(item) for item in items}


def diff(old: DirectoryFile | None, new: DirectoryFile) -> list[Change]:
    """Every entry that differs: people first (in the new order, removed ones last), then
    roles, targets, addressees and the directory's name."""
    return list(_diff(old, new))


def _diff(old: DirectoryFile | None, new: DirectoryFile) -> Iterator[Change]:
    for subject in SUBJECTS:
        before = _entries(old, subject)
        after = _entries(new, subject)
        if subject == "directory" and old is None:
            before = {}
        for key, entry in after.items():
            was = before.get(key)
            if was is None:
                yield Change(subject, key, "added", None, entry)
            elif was != entry:
                yield Change(subject, key, "changed", was, entry)
        for key, entry in before.items():
            if key not in after:
                yield Change(subject, key, "removed", entry, None)


def summary(changes: list[Change]) -> str:
    """One line: how many people, roles and targets were added, changed and removed."""
    counts: dict[tuple[str, str], int] = {}
    for change in changes:
        key = (change.subject, change.action)
        counts[key] = counts.get(key, 0) + 1
    parts = [f"{subject} {action}: {n}" for (subject, action), n in counts.items()]
    return "; ".join(parts) or "no change"
