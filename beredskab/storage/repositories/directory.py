"""The contact directory kept in the database: revisions, per-entry changes, pending imports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.storage.tables import directory_changes, directory_imports, directory_revisions


@dataclass(frozen=True, slots=True)
class RevisionRow:
    """One stored revision of the directory (``document`` is its JSON text)."""

    number: int
    created_at: datetime
    actor: str
    channel: str
    source: str
    summary: str
    document: str


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One entry added, changed or removed by a revision, before and after as JSON text."""

    revision: int
    created_at: datetime
    actor: str
    channel: str
    subject: str
    subject_id: str
    action: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class ImportRow:
    """An import previewed and waiting for confirmation."""

    id: int
    created_at: datetime
    actor: str
    base: int | None
    source: str
    document: str
    applied_revision: int | None


class RevisionTaken(Exception):
    """Another writer stored a revision with this number first."""


class DirectoryRepo:
    """Queries on the stored directory."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def head_number(self) -> int | None:
        """The number of the newest revision, or None when no directory is stored."""
        value = (await self._conn.execute(select(func.max(directory_revisions.c.number)))).scalar()
        return int(value) if value is not None else None

    async def revision(self, number: int | None = None) -> RevisionRow | None:
        """A revision by number, or the newest one."""
        query = select(directory_revisions)
        if number is None:
            query = query.order_by(directory_revisions.c.number.desc()).limit(1)
        else:
            query = query.where(directory_revisions.c.number == number)
        row = (await self._conn.execute(query)).first()
        return RevisionRow(**row._mapping) if row is not None else None

    async def revisions(self, *, limit: int = 50) -> list[RevisionRow]:
        """The newest revisions, newest first."""
        rows = await self._conn.execute(
            select(directory_revisions).order_by(directory_revisions.c.number.desc()).limit(limit)
        )
        return [RevisionRow(**row._mapping) for row in rows]

    async def add_revision(
        self,
        *,
        number: int,
        at: datetime,
        actor: str,
        channel: str,
        source: str,
        summary: str,
        document: str,
    ) -> None:
        """Store a revision; ``RevisionTaken`` when a concurrent writer took its number."""
        try:
            await self._conn.execute(
                insert(directory_revisions).values(
                    number=number,
                    created_at=at,
                    actor=actor,
                    channel=channel,
                    source=source,
                    summary=summary,
                    document=document,
                )
            )
        except IntegrityError as exc:
            raise RevisionTaken(number) from exc

    async def add_changes(
        self, revision: int, changes: list[tuple[str, str, str, str | None, str | None]]
    ) -> None:
        """Store (subject, subject id, action, before, after) rows of a revision."""
        if not changes:
            return
        await self._conn.execute(
            insert(directory_changes),
            [
                {
                    "revision": revision,
                    "subject": subject,
                    "subject_id": subject_id,
                    "action": action,
                    "before": before,
                    "after": after,
                }
                for subject, subject_id, action, before, after in changes
            ],
        )

    async def history(self, subject: str, subject_id: str, *, limit: int = 200) -> list[ChangeRow]:
        """The changes of one entry, newest first, with who made them and when."""
        rev = directory_revisions
        rows = await self._conn.execute(
            select(
                directory_changes.c.revision,
                rev.c.created_at,
                rev.c.actor,
                rev.c.channel,
                directory_changes.c.subject,
                directory_changes.c.subject_id,
                directory_changes.c.action,
                directory_changes.c.before,
                directory_changes.c.after,
            )
            .join(rev, rev.c.number == directory_changes.c.revision)
            .where(
                directory_changes.c.subject == subject,
                directory_changes.c.subject_id == subject_id,
            )
            .order_by(directory_changes.c.revision.desc(), directory_changes.c.id.desc())
            .limit(limit)
        )
        return [ChangeRow(**row._mapping) for row in rows]

    async def add_import(
        self, *, at: datetime, actor: str, base: int | None, source: str, document: str
    ) -> int:
        """Keep a previewed import; its id."""
        result = await self._conn.execute(
            insert(directory_imports)
            .values(created_at=at, actor=actor, base=base, source=source, document=document)
            .returning(directory_imports.c.id)
        )
        return int(result.scalar_one())

    async def pending_import(self, import_id: int) -> ImportRow | None:
        """A previewed import by id."""
        row = (
            await self._conn.execute(
                select(directory_imports).where(directory_imports.c.id == import_id)
            )
        ).first()
        return ImportRow(**row._mapping) if row is not None else None

    async def mark_applied(self, import_id: int, revision: int) -> bool:
        """Mark an import applied; False if it already was (a second confirmation)."""
        result = await self._conn.execute(
            update(directory_imports)
            .where(
                directory_imports.c.id == import_id,
                directory_imports.c.applied_revision.is_(None),
            )
            .values(applied_revision=revision)
        )
        return result.rowcount == 1
