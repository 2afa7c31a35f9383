"""Storing and loading the directory kept in the database.

Each change is a new revision holding the whole validated directory, written in one
transaction with its per-entry changes (before and after) and an audit row; the commit
signals ``directory`` so every running `serve` rebuilds its plan at once. A change is
checked exactly as `plan check` checks the file (``contacts.loader`` and the plan's cross
check against the playbooks); one that would make the plan invalid is refused with every
reason. Which directory is in use: the newest revision; with none, the configured file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from beredskab.directory import document
from beredskab.directory.changes import Change, diff, summary
from beredskab.errors import BeredskabError, InvalidStateError, PlanInvalidError
from beredskab.plan import cross_check
from beredskab.security import audit
from beredskab.storage import Database
from beredskab.storage.repositories.directory import RevisionTaken
from beredskab.storage.signals import DIRECTORY
from contacts.directory import Directory
from contacts.errors import ContactsError, Problem
from contacts.loader import directory_from_data, load_directory
from contacts.models import DirectoryFile
from playbooks.loader import PlaybookSet

LABEL = "directory"
"""How problems name a proposed directory."""
SOURCE_CHARS = 200


class DirectoryInvalidError(BeredskabError):
    """A directory change was refused: ``problems`` lists every reason."""

    def __init__(self, problems: list[str] | tuple[str, ...]) -> None:
        super().__init__(
            "the directory change was refused, {count} problem(s):\n{problems}",
            count=len(problems),
            problems="\n".join(problems),
        )
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class Stored:
    """The directory in the database: its newest revision, loaded and validated."""

    revision: int
    directory: Directory
    created_at: datetime
    actor: str


@dataclass(frozen=True)
class Checked:
    """A proposed directory checked as `plan check` would: errors refuse it."""

    directory: Directory | None
    errors: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Committed:
    """What a stored change did: the new revision (None when nothing changed)."""

    revision: int | None
    changes: list[Change] = field(default_factory=list)
    directory: Directory | None = None


def source_of(revision: int) -> str:
    """How a stored revision is named in problems and on `plan check`."""
    return f"database revision {revision}"


def check(
    playbooks: PlaybookSet,
    proposed: dict[str, Any],
    *,
    label: str = LABEL,
    where: Callable[[str], str] | None = None,
) -> Checked:
    """Normalise and validate ``proposed`` (modified in place) against the playbooks;
    ``where`` renames a problem's key (an import names rows instead of ``people[3]``)."""
    try:
        directory = directory_from_data(proposed, label=label, source=label)
    except ContactsError as exc:
        return _checked(None, exc.problems, where)
    cross_errors, cross_warnings = cross_check(playbooks, directory)
    found = _checked(directory, directory.warnings, where)
    warnings = found.warnings + tuple(cross_warnings)
    if cross_errors:
        return Checked(None, tuple(cross_errors), warnings)
    return Checked(directory, found.errors, warnings)


def _checked(
    directory: Directory | None,
    problems: tuple[Problem, ...],
    where: Callable[[str], str] | None,
) -> Checked:
    def text(problem: Problem) -> str:
        return str(problem if where is None else replace(problem, key=where(problem.key)))

    errors = tuple(text(p) for p in problems if p.severity == "error")
    warnings = tuple(text(p) for p in problems if p.severity == "warning")
    return Checked(directory, errors, warnings)


async def stored(db: Database) -> Stored | None:
    """The newest stored revision, loaded; None while the database holds no directory.

    Raises ``PlanInvalidError`` if the stored document no longer loads (it was valid when
    written; a newer version's stricter check could refuse it)."""
    async with db.read() as tx:
        row = await tx.directory.revision()
    if row is None:
        return None
    source = source_of(row.number)
    try:
        directory = directory_from_data(
            document.from_json(row.document), label=source, source=source
        )
    except ContactsError as exc:
        raise PlanInvalidError([str(p) for p in exc.problems]) from exc
    return Stored(row.number, directory, row.created_at, row.actor)


async def head(db: Database) -> int | None:
    """The newest revision's number, or None while the database holds no directory."""
    async with db.read() as tx:
        return await tx.directory.head_number()


async def current(db: Database, *, file: Path | None) -> tuple[int | None, DirectoryFile]:
    """The directory changes start from: the newest revision, else the configured file
    (``None``: the bundled example), with the revision number (None for the file)."""
    found = await stored(db)
    if found is not None:
        return found.revision, found.directory.data
    try:
        return None, load_directory(file).data
    except ContactsError as exc:
        raise PlanInvalidError([str(p) for p in exc.problems]) from exc


async def commit(
    *,
    db: Database,
    playbooks: PlaybookSet,
    proposed: dict[str, Any],
    base: int | None,
    actor: str,
    channel: str,
    source: str,
    in_use: DirectoryFile | None = None,
) -> Committed:
    """Check ``proposed`` and store it as the next revision after ``base``.

    The changes recorded are against the newest revision or, for the first one, against
    ``in_use`` (the configured file the service used until then; None: everything is new).

    Refused with every reason (``DirectoryInvalidError``) when it is not valid, and with
    ``InvalidStateError`` when another change was stored after ``base``. Storing the same
    directory again changes nothing (``revision`` None)."""
    checked = check(playbooks, proposed)
    if checked.directory is None:
        raise DirectoryInvalidError(checked.errors)
    new = checked.directory.data
    try:
        async with db.transaction() as tx:
            now_head = await tx.directory.head_number()
            if now_head != base:
                raise conflict(now_head)
            previous = in_use
            if now_head is not None:
                row = await tx.directory.revision(now_head)
                assert row is not None
                previous = DirectoryFile.model_validate(document.from_json(row.document))
            changes = diff(previous, new)
            if now_head is not None and not changes:
                return Committed(None, [], checked.directory)
            number = (now_head or 0) + 1
            line = summary(changes)
            await tx.directory.add_revision(
                number=number,
                at=tx.now,
                actor=actor,
                channel=channel,
                source=audit.clean(source, SOURCE_CHARS),
                summary=audit.clean(line, 500),
                document=document.to_json(new),
            )
            await tx.directory.add_changes(number, [c.row() for c in changes])
            await audit.record(
                tx,
                actor=actor,
                action="directory.change",
                channel=channel,
                detail=f"revision {number} ({audit.clean(source, 80)}): {line}",
            )
            tx.signal(DIRECTORY)
    except RevisionTaken:
        raise conflict(None) from None
    return Committed(number, changes, checked.directory)


def conflict(now: int | None) -> InvalidStateError:
    return InvalidStateError(
        "the directory was changed by someone else meanwhile (now revision {revision}); "
        "reload it and make your change again",
        revision=now if now is not None else "?",
    )
