"""`Database.upgrade` skips Alembic only when the schema is exactly at the newest migration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from beredskab.storage import Database
from beredskab.storage.migrate import alembic_config, upgrade
from beredskab.storage.schema_head import heads, is_current
from beredskab.storage.schema_state import revisions


def test_heads_read_from_the_files_are_alembics() -> None:
    expected = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert heads() == frozenset(expected)
    assert len(heads()) == 1


async def test_current_only_at_the_head(db_url: str) -> None:
    db = Database(db_url)
    try:
        assert not await is_current(db.engine)  # empty database: no alembic_version yet
        await db.upgrade()
        assert await is_current(db.engine)
        await db.upgrade()  # nothing to do, and nothing breaks
        (head,) = heads()
        async with db.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = 'ffff0000beef'"))
        assert not await is_current(db.engine)  # unknown: Alembic decides (and refuses)
        with pytest.raises(Exception, match="ffff0000beef"):
            await db.upgrade()
        async with db.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        assert await is_current(db.engine)
    finally:
        await db.dispose()


async def test_an_older_schema_is_still_migrated(db_url: str) -> None:
    db = Database(db_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(upgrade, revision="0011")
        assert not await is_current(db.engine)
        await db.upgrade()
        assert await is_current(db.engine)
    finally:
        await db.dispose()


async def test_the_check_does_not_wait_for_a_writer(tmp_path: Path) -> None:
    """`beredskab status` checks the schema first: on SQLite that check only reads, so it
    answers while another process (`serve`) holds the write lock, as the listing does."""
    path = tmp_path / "db.sqlite3"
    db = Database(f"sqlite+aiosqlite:///{path}", busy_timeout=0.2)
    await db.upgrade()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert await is_current(db.engine)  # waiting would fail: "database is locked"
        assert await revisions(db.engine) == heads()  # what `doctor` reads
        await db.upgrade()  # at the head: nothing to run, nothing waited for
    finally:
        holder.rollback()
        holder.close()
        await db.dispose()
