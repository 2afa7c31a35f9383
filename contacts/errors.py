"""Errors of the contacts package.

Error tree::

    Exception
     └── ContactsError      the directory file is invalid; ``.problems`` lists each one

A ``Problem`` is one finding (error or warning) with the file, the dotted key path inside
it (e.g. ``people[3].phone``) and a hint that says how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding in the directory file: where it is, what is wrong, and how to fix it."""

    file: str
    key: str
    message: str
    hint: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message} (hint: {self.hint})"


class ContactsError(Exception):
    """The contact directory is invalid; fix every problem listed and load again."""

    def __init__(self, problems: tuple[Problem, ...] | list[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        lines = [f"{len(errors)} problem(s) in the contact directory:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))
