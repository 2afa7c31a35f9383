"""Importing a directory file: a preview of every change and problem, applied on confirmation.

The CLI previews and applies in one command (``--apply``); the web keeps a previewed import
in the database until the secretariat leader confirms it. Either way the import is applied
only on the revision it was compared with, and checked again as it is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from beredskab.boundary import bounds
from beredskab.directory import document, store
from beredskab.directory.changes import Change, diff
from beredskab.directory.edit import require_editor
from beredskab.directory.import_csv import read
from beredskab.errors import InvalidStateError, NotFoundError
from beredskab.plan import Plan
from beredskab.security.access import audited
from beredskab.storage import Database
from contacts.models import DirectoryFile
from playbooks.loader import PlaybookSet

MAX_BYTES = 20 * 1024 * 1024
"""The largest file read for import (a 20,000-person sheet is a few MB)."""


@dataclass(frozen=True)
class Preview:
    """What an import would change, and every problem (errors stop it)."""

    source: str
    base: int | None
    changes: list[Change] = field(default_factory=list)
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    document: dict[str, Any] | None = None
    in_use: DirectoryFile | None = None
    """The configured file's directory, when the comparison was with it (nothing stored)."""

    @property
    def ok(self) -> bool:
        """True when the import can be applied."""
        return self.document is not None and not self.errors

    def count(self, subject: str, action: str) -> int:
        """How many entries of a kind the import adds, changes or removes."""
        return sum(1 for c in self.changes if c.subject == subject and c.action == action)


async def preview(
    *, db: Database, playbooks: PlaybookSet, file: Path | None, name: str, content: bytes
) -> Preview:
    """Read ``content`` (a file called ``name``) and compare it with the directory in use."""
    if bounds.refusal(name, max_chars=200) is not None:
        name = "upload"
    base, current = await store.current(db, file=file)
    if len(content) > MAX_BYTES:
        too_big = f"{name}: (file): larger than {MAX_BYTES // (1024 * 1024)} MB"
        return Preview(name, base, errors=(too_big,))
    found = read(name, content, current)
    if found.document is None:
        return Preview(name, base, errors=tuple(found.problems))
    checked = store.check(playbooks, found.document, label=name, where=found.where)
    if checked.directory is None:
        return Preview(name, base, errors=checked.errors, warnings=checked.warnings)
    new = checked.directory.data
    return Preview(
        name,
        base,
        diff(current, new),
        (),
        checked.warnings,
        document.dump(new),
        current if base is None else None,
    )


async def apply(
    *, db: Database, playbooks: PlaybookSet, preview: Preview, actor: str, channel: str
) -> store.Committed:
    """Store a previewed import (only on the revision it was compared with)."""
    if not preview.ok or preview.document is None:
        raise store.DirectoryInvalidError(preview.errors)
    return await store.commit(
        db=db,
        playbooks=playbooks,
        proposed=preview.document,
        base=preview.base,
        actor=actor,
        channel=channel,
        source=f"import {preview.source}",
        in_use=preview.in_use,
    )


async def keep(*, db: Database, plan: Plan, preview: Preview, actor: str, channel: str) -> int:
    """Keep a valid preview until it is confirmed (web); its id."""
    async with audited(db):
        require_editor(plan, actor, channel=channel)
    assert preview.document is not None
    async with db.transaction() as tx:
        return await tx.directory.add_import(
            at=tx.now,
            actor=actor,
            base=preview.base,
            source=preview.source,
            document=document.to_json(DirectoryFile.model_validate(preview.document)),
        )


async def confirm(
    *, db: Database, plan: Plan, file: Path | None, import_id: int, actor: str, channel: str
) -> store.Committed:
    """Apply a kept import, once, as the person who previewed it."""
    async with audited(db):
        require_editor(plan, actor, channel=channel)
    async with db.read() as tx:
        row = await tx.directory.pending_import(import_id)
    if row is None or row.actor != actor:
        raise NotFoundError("import {nr} does not exist; upload the file again", nr=import_id)
    if row.applied_revision is not None:
        raise InvalidStateError(
            "import {nr} was already applied (revision {revision})",
            nr=import_id,
            revision=row.applied_revision,
        )
    in_use = None
    if row.base is None:
        _, in_use = await store.current(db, file=file)
    committed = await store.commit(
        db=db,
        playbooks=plan.playbooks,
        proposed=document.from_json(row.document),
        base=row.base,
        actor=actor,
        channel=channel,
        source=f"import {row.source}",
        in_use=in_use,
    )
    async with db.transaction() as tx:
        await tx.directory.mark_applied(import_id, committed.revision or 0)
    return committed
