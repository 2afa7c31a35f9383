"""The inbound spool: a local SQLite file (stdlib ``sqlite3``, ``synchronous=FULL``, so every
write is fsync'd before it returns) holding signature-checked inbound events that could not
be written to the database. The webhook answers as normal once the event is here; the
replayer (``inbound.replay``) moves it into the inbox when the database is back.

Keyed by (source, provider id) like the inbox, so a provider's retry during the outage is
spooled once. The file is opened on first use: a service that never has an outage never
creates it. Calls block for about one fsync; ``aput`` and friends run them in a thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SPOOL_FILE = "inbound-spool.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spooled (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    spooled_at TEXT NOT NULL,
    UNIQUE (source, provider_id)
)
"""


@dataclass(frozen=True)
class Spooled:
    """One spooled event, as the inbox would have stored it."""

    id: int
    source: str
    provider_id: str
    payload: str
    spooled_at: datetime


class Spool:
    """The spool file under ``data_dir``; safe to use from several threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # fsync on every commit
            conn.execute(_SCHEMA)
            self._conn = conn
        return self._conn

    def put(self, *, source: str, provider_id: str, payload: str) -> bool:
        """Spool one event durably; False if it was already spooled (a provider's retry)."""
        now = datetime.now(UTC).isoformat()
        with self._lock:
            cursor = self._connection().execute(
                "INSERT OR IGNORE INTO spooled (source, provider_id, payload, spooled_at) "
                "VALUES (?, ?, ?, ?)",
                (source, provider_id, payload, now),
            )
            return cursor.rowcount == 1

    def peek(self, *, after: int = 0, limit: int = 100) -> list[Spooled]:
        """The oldest spooled events with an id above ``after`` (they stay until ``remove``)."""
        if not self._exists():
            return []
        with self._lock:
            rows = (
                self._connection()
                .execute(
                    "SELECT id, source, provider_id, payload, spooled_at FROM spooled "
                    "WHERE id > ? ORDER BY id LIMIT ?",
                    (after, limit),
                )
                .fetchall()
            )
        return [
            Spooled(int(r[0]), str(r[1]), str(r[2]), str(r[3]), datetime.fromisoformat(r[4]))
            for r in rows
        ]

    def remove(self, event_id: int) -> None:
        """Forget one event (after the inbox has it)."""
        with self._lock:
            self._connection().execute("DELETE FROM spooled WHERE id = ?", (event_id,))

    def count(self) -> int:
        """How many events wait in the spool."""
        if not self._exists():
            return 0
        with self._lock:
            row = self._connection().execute("SELECT count(*) FROM spooled").fetchone()
        return int(row[0])

    def _exists(self) -> bool:
        return self._conn is not None or self.path.exists()

    def close(self) -> None:
        """Close the file (it is reopened on next use)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    async def aput(self, *, source: str, provider_id: str, payload: str) -> bool:
        """``put`` in a thread, off the event loop."""
        return await asyncio.to_thread(
            self.put, source=source, provider_id=provider_id, payload=payload
        )

    async def apeek(self, *, after: int = 0, limit: int = 100) -> list[Spooled]:
        """``peek`` in a thread."""
        return await asyncio.to_thread(self.peek, after=after, limit=limit)

    async def aremove(self, event_id: int) -> None:
        """``remove`` in a thread."""
        await asyncio.to_thread(self.remove, event_id)

    async def acount(self) -> int:
        """``count`` in a thread."""
        return await asyncio.to_thread(self.count)
