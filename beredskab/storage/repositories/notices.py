"""The public notice page's entries: published resident communications and all-clears."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.storage.tables import incidents, notices


class NoticeKind(StrEnum):
    """What an entry on the public page is."""

    NOTICE = "notice"
    """An approved resident communication the leader published."""
    ALL_CLEAR = "all_clear"
    """Published by the stand-down of an incident that had published notices."""


@dataclass(frozen=True, slots=True)
class Notice:
    """One entry on the public page (``published_by``/``withdrawn_by`` are never shown)."""

    id: int
    incident_id: int
    communication_id: int | None
    kind: NoticeKind
    title: str
    text: str
    published_by: str
    published_at: datetime
    withdrawn_by: str | None
    withdrawn_at: datetime | None
    withdrawn_note: str | None

    @property
    def updated_at(self) -> datetime:
        """When the entry last changed (published, or withdrawn)."""
        return self.withdrawn_at or self.published_at


@dataclass(frozen=True, slots=True)
class NoticeState:
    """What the page's content depends on, read in one query (for ETag and Last-Modified)."""

    last_id: int
    withdrawn: int
    changed_at: datetime | None


def _model(row: Any) -> Notice:
    values = dict(row._mapping)
    values["kind"] = NoticeKind(values["kind"])
    return Notice(**values)


_NEWEST = (notices.c.published_at.desc(), notices.c.id.desc())


class NoticeRepo:
    """Queries on the public notice page's entries."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(
        self,
        *,
        incident_id: int,
        kind: NoticeKind,
        title: str,
        text: str,
        published_by: str,
        now: datetime,
        communication_id: int | None = None,
    ) -> Notice:
        """Publish an entry and return it."""
        result = await self._conn.execute(
            insert(notices)
            .values(
                incident_id=incident_id,
                communication_id=communication_id,
                kind=kind.value,
                title=title,
                text=text,
                published_by=published_by,
                published_at=now,
            )
            .returning(notices.c.id)
        )
        found = await self.get(int(result.scalar_one()))
        assert found is not None
        return found

    async def get(self, notice_id: int) -> Notice | None:
        """One entry."""
        row = (await self._conn.execute(select(notices).where(notices.c.id == notice_id))).first()
        return _model(row) if row else None

    async def of_communication(self, communication_id: int) -> Notice | None:
        """The entry a communication was published as, if it was."""
        stmt = select(notices).where(notices.c.communication_id == communication_id)
        row = (await self._conn.execute(stmt)).first()
        return _model(row) if row else None

    async def of_incident(self, incident_id: int) -> list[Notice]:
        """The incident's entries, oldest first."""
        stmt = select(notices).where(notices.c.incident_id == incident_id).order_by(notices.c.id)
        return [_model(r) for r in await self._conn.execute(stmt)]

    async def withdraw(self, notice_id: int, *, by: str, note: str, now: datetime) -> bool:
        """Mark an entry withdrawn; False if it already was (two withdrawals change it once)."""
        result = await self._conn.execute(
            update(notices)
            .where(notices.c.id == notice_id, notices.c.withdrawn_at.is_(None))
            .values(withdrawn_by=by, withdrawn_at=now, withdrawn_note=note or None)
        )
        return result.rowcount == 1

    async def current(self) -> list[Notice]:
        """The entries of incidents still open, newest first."""
        stmt = (
            select(notices)
            .join(incidents, incidents.c.id == notices.c.incident_id)
            .where(incidents.c.closed_at.is_(None))
            .order_by(*_NEWEST)
        )
        return [_model(r) for r in await self._conn.execute(stmt)]

    async def latest(self, *, limit: int, kind: NoticeKind | None = None) -> list[Notice]:
        """The newest ``limit`` entries (of ``kind`` if given), newest first."""
        stmt = select(notices).order_by(*_NEWEST).limit(limit)
        if kind is not None:
            stmt = stmt.where(notices.c.kind == kind.value)
        return [_model(r) for r in await self._conn.execute(stmt)]

    async def state(self) -> NoticeState:
        """The newest entry, how many are withdrawn and the last change, in one query."""
        stmt = select(
            func.coalesce(func.max(notices.c.id), 0),
            func.count(notices.c.withdrawn_at),
            func.max(notices.c.published_at),
            func.max(notices.c.withdrawn_at),
        )
        last_id, withdrawn, published, pulled = (await self._conn.execute(stmt)).one()
        changes = [t for t in (published, pulled) if t is not None]
        return NoticeState(
            last_id=int(last_id), withdrawn=int(withdrawn), changed_at=max(changes, default=None)
        )
