"""The situation log table (append-only: there is no update or delete here)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.models import LogEntry
from beredskab.storage.tables import incidents, log_entries, log_seals


@dataclass(frozen=True)
class LogSeal:
    """A keyed seal over an incident's first ``entries`` entries (the unkeyed ones)."""

    incident_id: int
    entries: int
    last_hash: str
    mac: str


class LogRepo:
    """Append and read situation-log entries."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def last(self, incident_id: int) -> LogEntry | None:
        """The newest entry of an incident, taking the incident's row lock on PostgreSQL.

        The lock serialises appends per incident, so two transactions never fork the chain
        (SQLite's BEGIN IMMEDIATE already serialises every write transaction).
        """
        await self._conn.execute(
            select(incidents.c.id).where(incidents.c.id == incident_id).with_for_update()
        )
        stmt = (
            select(log_entries)
            .where(log_entries.c.incident_id == incident_id)
            .order_by(log_entries.c.seq.desc())
            .limit(1)
        )
        row = (await self._conn.execute(stmt)).first()
        return LogEntry.model_validate(row) if row else None

    async def append(self, entry: LogEntry) -> None:
        """Insert one entry; the (incident, seq) key makes a concurrent append fail, not fork."""
        values = entry.model_dump()
        values["kind"] = entry.kind.value
        await self._conn.execute(insert(log_entries).values(**values))

    async def list(self, incident_id: int, *, include_sensitive: bool = True) -> list[LogEntry]:
        """Every entry of an incident in order."""
        stmt = (
            select(log_entries)
            .where(log_entries.c.incident_id == incident_id)
            .order_by(log_entries.c.seq)
        )
        if not include_sensitive:
            stmt = stmt.where(log_entries.c.sensitive.is_(False))
        return [LogEntry.model_validate(r) for r in await self._conn.execute(stmt)]

    async def newest_keyed(self, scheme: str) -> LogEntry | None:
        """The last entry of ``scheme`` in the newest incident that has one (by primary key)."""
        stmt = (
            select(log_entries)
            .where(log_entries.c.scheme == scheme)
            .order_by(log_entries.c.incident_id.desc(), log_entries.c.seq.desc())
            .limit(1)
        )
        row = (await self._conn.execute(stmt)).first()
        return LogEntry.model_validate(row) if row else None

    async def seal(self, incident_id: int) -> LogSeal | None:
        """The seal over the incident's entries written before the key (migration 0012)."""
        stmt = select(log_seals).where(log_seals.c.incident_id == incident_id)
        row = (await self._conn.execute(stmt)).first()
        if row is None:
            return None
        return LogSeal(row.incident_id, row.entries, row.last_hash, row.mac)
