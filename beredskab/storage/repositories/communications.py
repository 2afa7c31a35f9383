"""Crisis communications of an incident: drafted, approved, then sent to an audience."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.storage.tables import communications


class CommunicationStatus(StrEnum):
    """Life cycle of a communication: draft -> approved -> sent, or discarded."""

    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"
    DISCARDED = "discarded"


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


def _model(row: Any) -> Communication:
    values = dict(row._mapping)
    values["status"] = CommunicationStatus(values["status"])
    return Communication(**values)


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
        """Store a new draft and return it."""
        result = await self._conn.execute(
            insert(communications)
            .values(
                incident_id=incident_id,
                audience=audience,
                template=template,
                subject=subject,
                text=text,
                status=CommunicationStatus.DRAFT.value,
                drafted_by=drafted_by,
                drafted_at=now,
            )
            .returning(communications.c.id)
        )
        found = await self.get(int(result.scalar_one()))
        assert found is not None
        return found

    async def get(self, communication_id: int) -> Communication | None:
        """One communication."""
        stmt = select(communications).where(communications.c.id == communication_id)
        row = (await self._conn.execute(stmt)).first()
        return _model(row) if row else None

    async def list(
        self, incident_id: int, *, status: CommunicationStatus | None = None
    ) -> list[Communication]:
        """The incident's communications, oldest draft first; only ``status`` if given."""
        stmt = (
            select(communications)
            .where(communications.c.incident_id == incident_id)
            .order_by(communications.c.id)
        )
        if status is not None:
            stmt = stmt.where(communications.c.status == status.value)
        return [_model(r) for r in await self._conn.execute(stmt)]

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
