"""The audit trail (append-only; refusals from unauthenticated sources are counted per minute)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.models import AuditEntry
from beredskab.storage.tables import (
    AUDIT_ACTION_LENGTH,
    AUDIT_ACTOR_LENGTH,
    AUDIT_CHANNEL_LENGTH,
    AUDIT_DETAIL_LENGTH,
    audit,
)

__all__ = [
    "AUDIT_ACTION_LENGTH",
    "AUDIT_ACTOR_LENGTH",
    "AUDIT_CHANNEL_LENGTH",
    "AUDIT_DETAIL_LENGTH",
    "AuditRepo",
]

_ADD = insert(audit)
"""An audit row (its values are the parameters); built once, so neither built nor keyed for
the statement cache again per row."""


class AuditRepo:
    """Append, count and read audit rows."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Record who did (or tried) what: rows with ``at``, ``actor``, ``action``, ``channel``,
        ``allowed``, ``detail`` and ``incident_id``, in one statement."""
        if rows:
            await self._conn.execute(_ADD, list(rows))

    async def count_refusal(
        self, *, bucket: str, at: datetime, actor: str, action: str, channel: str, detail: str
    ) -> None:
        """One more refusal in ``bucket``: the first writes the row, the rest add to its count."""
        values = {
            "at": at,
            "actor": actor,
            "action": action,
            "channel": channel,
            "allowed": False,
            "detail": detail,
            "incident_id": None,
            "count": 1,
            "bucket": bucket,
        }
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        stmt = (
            dialect.insert(audit)
            .values(**values)
            .on_conflict_do_update(
                index_elements=[audit.c.bucket], set_={"count": audit.c.count + 1}
            )
        )
        await self._conn.execute(stmt)

    async def recent(
        self, *, limit: int = 50, incident_id: int | None = None, refused_only: bool = False
    ) -> list[AuditEntry]:
        """The newest ``limit`` rows, oldest first (what an operator reads at the end)."""
        stmt = select(audit).order_by(audit.c.id.desc()).limit(limit)
        if incident_id is not None:
            stmt = stmt.where(audit.c.incident_id == incident_id)
        if refused_only:
            stmt = stmt.where(audit.c.allowed.is_(False))
        rows = [AuditEntry.model_validate(dict(r._mapping)) for r in await self._conn.execute(stmt)]
        return rows[::-1]

    async def list(self, *, incident_id: int | None = None, limit: int = 200) -> list[AuditEntry]:
        """The oldest ``limit`` rows, oldest first; optionally for one incident."""
        stmt = select(audit).order_by(audit.c.id).limit(limit)
        if incident_id is not None:
            stmt = stmt.where(audit.c.incident_id == incident_id)
        return [AuditEntry.model_validate(dict(r._mapping)) for r in await self._conn.execute(stmt)]
