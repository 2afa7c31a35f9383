"""A SQLite commit is on disk when it returns: every connection the service opens runs in WAL
mode with ``synchronous=FULL``, as the inbound spool does. With ``NORMAL`` a power cut or an
OS crash could take back the last commits: an "OK" Twilio was answered 200 for, or the claim
that let an SMS go (which would then go twice)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.storage import Database
from beredskab.storage.db import reading

FULL = 2


async def _settings(conn: AsyncConnection) -> tuple[object, object]:
    synchronous = (await conn.execute(text("PRAGMA synchronous"))).scalar()
    journal = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
    return synchronous, journal


async def test_every_connection_commits_to_disk(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'durable.sqlite3'}")
    try:
        await db.upgrade()
        async with reading(db.engine) as one, reading(db.engine) as two:  # two at once
            assert await _settings(one) == (FULL, "wal")
            assert await _settings(two) == (FULL, "wal")
    finally:
        await db.dispose()
