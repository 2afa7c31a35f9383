"""The audit trail (append-only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.models import AuditEntry
from beredskab.storage.tables import audit


class AuditRepo:
    """Append and read audit rows."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        channel: str,
        allowed: bool,
        detail: str = "",
        incident_id: int | None = None,
    ) -> None:
        """Record who did (or tried) what."""
        await self._conn.execute(
            insert(audit).values(
                at=at,
                actor=actor,
                action=action,
                channel=channel,
                allowed=allowed,
                detail=detail,
                incident_id=incident_id,
            )
        )

    async def list(self, *, incident_id: int | None = None, limit: int = 200) -> list[AuditEntry]:
        """Newest last; optionally for one incident."""
        stmt = select(audit).order_by(audit.c.id).limit(limit)
        if incident_id is not None:
            stmt = stmt.where(audit.c.incident_id == incident_id)
        return [AuditEntry.model_validate(r) for r in await self._conn.execute(stmt)]
