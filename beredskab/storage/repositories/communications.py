"""Crisis communications of an incident: drafted, approved, then sent to an audience; with
their variants in other languages than Danish."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.storage.tables import (
    communication_audiences,
    communication_variants,
    communications,
)

AUDIENCE_COLUMN = 64
"""The length of ``communications.audience``; a longer choice goes to
``communication_audiences`` whole (migration 0027)."""


class CommunicationStatus(StrEnum):
    """Life cycle of a communication: draft -> approved -> sent, or discarded."""

    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"
    DISCARDED = "discarded"


@dataclass(frozen=True, slots=True)
class Variant:
    """A communication in another language than Danish, and ``source``: the fingerprint of the
    Danish subject and text it was translated from ("" if from an older Danish text)."""

    language: str
    subject: str
    text: str
    source: str


@dataclass(frozen=True, slots=True)
class Communication:
    """A message to an audience (board, operations, partners) about an incident."""

    id: int
    incident_id: int
    audience: str
    template: str
    subject: str
    text: str
    status: CommunicationStatus
    drafted_by: str
    drafted_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    sent_at: datetime | None
    recipients: int | None
    variants: tuple[Variant, ...] = ()
    """The variants in other languages, by language code."""


def _model(row: Any, variants: Iterable[Variant] = ()) -> Communication:
    values = dict(row._mapping)
    values["status"] = CommunicationStatus(values["status"])
    whole = values.pop("audiences", None)
    if whole:
        values["audience"] = whole
    return Communication(**values, variants=tuple(sorted(variants, key=lambda v: v.language)))


class CommunicationRepo:
    """Queries on crisis communications."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(
        self,
        *,
        incident_id: int,
        audience: str,
        template: str,
        subject: str,
        text: str,
        drafted_by: str,
        now: datetime,
    ) -> Communication:
        """Store a new draft and return it (``audience``: ids joined by commas, at most 200
        characters; a choice longer than the column's 64 is kept whole apart)."""
        fits = audience
        while len(fits) > AUDIENCE_COLUMN:
            fits = fits.rpartition(",")[0] or fits[:AUDIENCE_COLUMN]
        result = await self._conn.execute(
            insert(communications)
            .values(
                incident_id=incident_id,
                audience=fits,
                template=template,
                subject=subject,
                text=text,
                status=CommunicationStatus.DRAFT.value,
                drafted_by=drafted_by,
                drafted_at=now,
            )
            .returning(communications.c.id)
        )
        new_id = int(result.scalar_one())
        if fits != audience:
            await self._conn.execute(
                insert(communication_audiences).values(
                    communication_id=new_id, audiences=audience[:200]
                )
            )
        found = await self.get(new_id)
        assert found is not None
        return found

    @staticmethod
    def _select() -> Any:
        """Communications with their whole choice of audiences when it is long."""
        return select(communications, communication_audiences.c.audiences).outerjoin(
            communication_audiences,
            communication_audiences.c.communication_id == communications.c.id,
        )

    async def get(self, communication_id: int) -> Communication | None:
        """One communication."""
        stmt = self._select().where(communications.c.id == communication_id)
        row = (await self._conn.execute(stmt)).first()
        if row is None:
            return None
        return _model(row, (await self._variants([communication_id])).get(communication_id, ()))

    async def list(
        self, incident_id: int, *, status: CommunicationStatus | None = None
    ) -> list[Communication]:
        """The incident's communications, oldest draft first; only ``status`` if given."""
        stmt = (
            self._select()
            .where(communications.c.incident_id == incident_id)
            .order_by(communications.c.id)
        )
        if status is not None:
            stmt = stmt.where(communications.c.status == status.value)
        rows = list(await self._conn.execute(stmt))
        variants = await self._variants([r.id for r in rows]) if rows else {}
        return [_model(r, variants.get(r.id, ())) for r in rows]

    async def _variants(self, ids: Sequence[int]) -> dict[int, tuple[Variant, ...]]:
        """The variants of these communications, in one query."""
        t = communication_variants
        found: dict[int, tuple[Variant, ...]] = {}
        for row in await self._conn.execute(select(t).where(t.c.communication_id.in_(ids))):
            variant = Variant(row.language, row.subject, row.text, row.source)
            found[row.communication_id] = (*found.get(row.communication_id, ()), variant)
        return found

    async def set_variants(self, communication_id: int, variants: Sequence[Variant]) -> None:
        """Store these variants of a communication, replacing those of the same languages."""
        if not variants:
            return
        t = communication_variants
        await self._conn.execute(
            delete(t).where(
                t.c.communication_id == communication_id,
                t.c.language.in_([v.language for v in variants]),
            )
        )
        await self._conn.execute(
            insert(t),
            [
                {
                    "communication_id": communication_id,
                    "language": v.language,
                    "subject": v.subject,
                    "text": v.text,
                    "source": v.source,
                }
                for v in variants
            ],
        )

    async def remove_variant(self, communication_id: int, language: str) -> bool:
        """Remove the variant in ``language``; False if there was none."""
        t = communication_variants
        result = await self._conn.execute(
            delete(t).where(t.c.communication_id == communication_id, t.c.language == language)
        )
        return result.rowcount == 1

    async def update(self, communication_id: int, **values: object) -> None:
        """Change fields of one communication (text, subject, approval, sending)."""
        stored = {
            k: (v.value if isinstance(v, CommunicationStatus) else v) for k, v in values.items()
        }
        await self._conn.execute(
            update(communications).where(communications.c.id == communication_id).values(**stored)
        )

    async def set_status(
        self,
        communication_id: int,
        status: CommunicationStatus,
        *,
        expect: CommunicationStatus | None = None,
        **values: object,
    ) -> bool:
        """Move to ``status`` (with other fields), only from ``expect`` if given.

        Returns False when the row was not in the expected status, so two people approving
        or sending at the same time change it once.
        """
        stmt = update(communications).where(communications.c.id == communication_id)
        if expect is not None:
            stmt = stmt.where(communications.c.status == expect.value)
        result = await self._conn.execute(stmt.values(status=status.value, **values))
        return result.rowcount == 1
