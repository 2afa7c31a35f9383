"""The situation log table (append-only: there is no update or delete here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.models import LogEntry
from beredskab.storage.bulk import insert_many
from beredskab.storage.tables import incidents, log_entries, log_seals

_COLUMNS = tuple(c.name for c in log_entries.c)


@dataclass(frozen=True)
class LogSeal:
    """A keyed seal over an incident's first ``entries`` entries (the unkeyed ones)."""

    incident_id: int
    entries: int
    last_hash: str
    mac: str


class LogRepo:
    """Append and read situation-log entries.

    Within one transaction it remembers the head (sequence number and hash) of each chain it
    appended to, so later appends of that transaction neither lock nor read again. A head is
    remembered together with the (sub)transaction that wrote it and trusted only while that
    one is still open: a savepoint rolled back (or released) makes the next append read the
    chain again, so a forgotten entry is never chained to.
    """

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._heads: dict[int, tuple[int, str, object]] = {}

    def _scope(self) -> Any:
        sync = self._conn.sync_connection
        assert sync is not None
        return sync.get_nested_transaction() or sync.get_transaction()

    def started(self, incident_id: int) -> None:
        """An incident created in this transaction: its chain is empty, and nobody else can
        see the incident (so nothing to lock) until this transaction commits."""
        self._heads[incident_id] = (0, "", self._scope())

    async def head(self, incident_id: int) -> tuple[int, str] | None:
        """(sequence number, hash) of the newest entry of an incident (None: no entry),
        taking the incident's row lock on PostgreSQL unless this transaction already holds
        the chain.

        The lock serialises appends per incident, so two transactions never fork the chain
        (SQLite's BEGIN IMMEDIATE already serialises every write transaction).
        """
        known = self._heads.get(incident_id)
        if known is not None and getattr(known[2], "is_active", False):
            return (known[0], known[1]) if known[0] else None
        if self._conn.dialect.name == "postgresql":
            await self._conn.execute(
                select(incidents.c.id).where(incidents.c.id == incident_id).with_for_update()
            )
        stmt = (
            select(log_entries.c.seq, log_entries.c.hash)
            .where(log_entries.c.incident_id == incident_id)
            .order_by(log_entries.c.seq.desc())
            .limit(1)
        )
        row = (await self._conn.execute(stmt)).first()
        return (int(row.seq), str(row.hash)) if row else None

    async def last(self, incident_id: int) -> LogEntry | None:
        """The newest entry of an incident, taking the incident's row lock on PostgreSQL."""
        if self._conn.dialect.name == "postgresql":
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

    async def append_many(self, entries: Sequence[LogEntry]) -> None:
        """Insert entries in one statement; the (incident, seq) key makes a concurrent append
        fail, not fork."""
        await insert_many(
            self._conn,
            log_entries,
            _COLUMNS,
            [
                tuple(entry.kind.value if n == "kind" else getattr(entry, n) for n in _COLUMNS)
                for entry in entries
            ],
        )
        scope = self._scope()
        for entry in entries:
            self._heads[entry.incident_id] = (entry.seq, entry.hash, scope)

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
