"""The database side of leadership: a PostgreSQL session advisory lock held on a dedicated
connection, and where a SQLite database file lives (for the single-instance file lock).

The advisory lock belongs to the connection's server session: when the holder's process dies
(even by SIGKILL) or its connection is lost, PostgreSQL releases the lock and another
instance can take it. ``LeaderLock.held`` checks the connection; once it fails, leadership is
lost and must be acquired again on a fresh connection.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.storage.db import Database

log = logging.getLogger(__name__)

LEADER_LOCK_KEY = 0x62657265  # "bere": one key for the whole service
"""The advisory lock key; every instance sharing a database competes for it."""


class LeaderLock:
    """A ``pg_try_advisory_lock`` held for as long as its own connection lives."""

    def __init__(self, db: Database, *, key: int = LEADER_LOCK_KEY) -> None:
        if db.dialect != "postgresql":
            raise ValueError("advisory locks need PostgreSQL")
        self._db = db
        self._key = key
        self._conn: AsyncConnection | None = None

    @property
    def acquired(self) -> bool:
        """Whether this lock believes it holds the lock (see ``held`` for a live check)."""
        return self._conn is not None

    async def try_acquire(self) -> bool:
        """Take the lock on a new connection if nobody holds it; False if another session does.
        Raises the database's error when it cannot be reached."""
        if self._conn is not None:
            return True
        conn = await self._db.connect()  # checked: the pool does not ping (storage.db)
        try:
            query = text("SELECT pg_try_advisory_lock(:key)")
            got = bool((await conn.execute(query, {"key": self._key})).scalar())
            await conn.commit()  # a session lock outlives the transaction; do not sit in one
        except BaseException:
            await _discard(conn)
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def held(self) -> bool:
        """Check on the lock's connection that the session (and so the lock) is still alive;
        on any failure the connection is discarded and the lock counts as lost."""
        conn = self._conn
        if conn is None:
            return False
        try:
            held = bool(
                (
                    await conn.execute(
                        text(
                            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                            "AND pid = pg_backend_pid() AND granted AND objid = :key"
                        ),
                        {"key": self._key & 0xFFFFFFFF},
                    )
                ).scalar()
            )
            await conn.commit()
        except Exception as error:  # any failure: the session may be gone, so is the lock
            log.warning("leader lock connection failed: %s", error)
            held = False
        if not held:
            self._conn = None
            await _discard(conn)
        return held

    async def release(self) -> None:
        """Give the lock up (closing its connection releases it in any case)."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            await conn.commit()
            await conn.close()
        except Exception:  # the connection is gone: so is the lock
            await _discard(conn)


async def _discard(conn: AsyncConnection) -> None:
    """Drop a connection whose session may be broken (never back into the pool)."""
    try:
        await conn.invalidate()
        await conn.close()
    except Exception as error:  # already broken; nothing more to release
        log.debug("discarding a broken connection: %s", error)


def sqlite_file(db: Database) -> Path | None:
    """The SQLite database file, or None (PostgreSQL, or an in-memory SQLite database)."""
    if db.dialect != "sqlite":
        return None
    name = db.engine.url.database
    if not name or name == ":memory:":
        return None
    return Path(name).resolve()
