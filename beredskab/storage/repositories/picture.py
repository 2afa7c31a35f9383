"""The situation picture of an incident: its revisions and the headings each one changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.storage.tables import picture_revisions, picture_sections


@dataclass(frozen=True, slots=True)
class PictureSection:
    """The text of one heading as a revision wrote it."""

    heading: str
    text: str
    sensitive: bool


@dataclass(frozen=True, slots=True)
class PictureRevision:
    """One saved version of the picture: who, when, through which channel, what changed."""

    incident_id: int
    version: int
    author: str
    via: str
    created_at: datetime
    log_seq: int
    sections: tuple[PictureSection, ...]


class PictureRepo:
    """Append and read situation-picture revisions (there is no update or delete)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def version(self, incident_id: int) -> int:
        """The newest version number of the incident's picture (0: nothing written yet)."""
        stmt = select(func.coalesce(func.max(picture_revisions.c.version), 0)).where(
            picture_revisions.c.incident_id == incident_id
        )
        return int((await self._conn.execute(stmt)).scalar_one())

    async def add(self, revision: PictureRevision) -> None:
        """Store a revision; the (incident, version) key makes a second save of the same
        version fail instead of forking the history."""
        await self._conn.execute(
            insert(picture_revisions).values(
                incident_id=revision.incident_id,
                version=revision.version,
                author=revision.author,
                via=revision.via,
                created_at=revision.created_at,
                log_seq=revision.log_seq,
            )
        )
        await self._conn.execute(
            insert(picture_sections),
            [
                {
                    "incident_id": revision.incident_id,
                    "version": revision.version,
                    "heading": s.heading,
                    "text": s.text,
                    "sensitive": s.sensitive,
                }
                for s in revision.sections
            ],
        )

    async def history(self, incident_id: int) -> list[PictureRevision]:
        """Every revision of the incident's picture, oldest first, with what it changed."""
        heads = await self._conn.execute(
            select(picture_revisions)
            .where(picture_revisions.c.incident_id == incident_id)
            .order_by(picture_revisions.c.version)
        )
        rows = await self._conn.execute(
            select(picture_sections)
            .where(picture_sections.c.incident_id == incident_id)
            .order_by(picture_sections.c.version)
        )
        changed: dict[int, list[PictureSection]] = {}
        for r in rows:
            changed.setdefault(r.version, []).append(
                PictureSection(heading=r.heading, text=r.text, sensitive=r.sensitive)
            )
        return [
            PictureRevision(
                incident_id=h.incident_id,
                version=h.version,
                author=h.author,
                via=h.via,
                created_at=h.created_at,
                log_seq=h.log_seq,
                sections=tuple(changed.get(h.version, ())),
            )
            for h in heads
        ]
