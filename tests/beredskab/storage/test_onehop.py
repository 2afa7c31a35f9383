"""On SQLite a statement is one hand-off to aiosqlite's thread (``storage.onehop``), and what
SQLAlchemy reads from the cursor — rows, row count, last row id, errors — is as before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from beredskab.storage import Database
from beredskab.storage.onehop import OneHopCursor


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'one.sqlite3'}")
    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield db
    await db.dispose()


async def test_a_statement_is_one_hand_off(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(fn)
        return await original(self, fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    async with database.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, aiosqlite.Connection)
        await conn.begin()  # our BEGIN IMMEDIATE: a statement (one hand-off) of its own
        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
        rows = (await conn.execute(text("SELECT 1 UNION SELECT 2 ORDER BY 1"))).all()
        assert [tuple(r) for r in rows] == [(1,), (2,)]
        assert len(calls) == 1


async def test_rows_counts_and_ids_reach_sqlalchemy(database: Database) -> None:
    async with database.engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert inserted.lastrowid == 1
        many = await conn.execute(
            text("INSERT INTO t (name) VALUES (:name)"), [{"name": "b"}, {"name": "c"}]
        )
        assert many.rowcount == 2
        updated = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
        assert updated.rowcount == 2
        rows = await conn.execute(text("SELECT id, name FROM t ORDER BY id"))
        assert list(rows.keys()) == ["id", "name"]
        assert [tuple(r) for r in rows] == [(1, "a"), (2, "b!"), (3, "c!")]
        cursor = (await conn.get_raw_connection()).dbapi_connection
        assert cursor is not None and isinstance(cursor.cursor(), OneHopCursor)


async def test_driver_errors_are_sqlalchemys_as_before(database: Database) -> None:
    async with database.engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        with pytest.raises(IntegrityError):
            await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        with pytest.raises(OperationalError):
            await conn.execute(text("SELECT * FROM missing"))
