"""``storage.is_transient``: real failures from real databases, told apart."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from beredskab.storage import Database, is_transient
from tests.postgres import free_port


async def _error(db: Database, sql: str = "SELECT 1") -> BaseException:
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text(sql))
    except Exception as exc:
        return exc
    raise AssertionError("no error")


async def test_a_sqlite_lock_past_the_busy_timeout_is_transient(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = Database(f"sqlite+aiosqlite:///{path}", busy_timeout=0.2)
    await db.upgrade()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        error = await _error(db)
    finally:
        holder.rollback()
        holder.close()
    assert "database is locked" in str(error) and is_transient(error)
    async with db.read() as tx:  # a read does not queue behind the lock
        assert await tx.deliveries.open_count() == 0
    await db.dispose()


async def test_a_missing_table_is_not_transient(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")
    error = await _error(db, "SELECT * FROM deliveries")
    assert "no such table" in str(error) and not is_transient(error)
    await db.dispose()


async def test_postgresql_that_does_not_answer_is_transient() -> None:
    pytest.importorskip("asyncpg")
    db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing")
    async with asyncio.timeout(30):
        error = await _error(db)
    assert is_transient(error), repr(error)
    await db.dispose()


async def test_a_connection_killed_by_the_server_is_transient(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("terminating a backend is a PostgreSQL matter")
    db, killer = Database(db_url), Database(db_url)
    caught: BaseException | None = None
    try:
        async with db.engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar()
            async with killer.engine.connect() as other:
                await other.execute(text(f"SELECT pg_terminate_backend({pid})"))
            try:
                await conn.execute(text("SELECT 1"))
            except Exception as exc:
                caught = exc
    except Exception as exc:  # closing the dead connection may fail as well
        caught = caught or exc
    finally:
        await db.dispose()
        await killer.dispose()
    assert caught is not None and is_transient(caught), repr(caught)


def test_ordinary_errors_are_not_transient() -> None:
    assert not is_transient(ValueError("bad input"))
    assert not is_transient(KeyError("bug"))
    assert is_transient(ConnectionResetError("peer reset"))


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (
            OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked")),
            True,
        ),
        (InterfaceError("SELECT 1", {}, Exception("connection is closed")), True),
        (ConnectionResetError("reset by peer"), True),
        (IntegrityError("INSERT", {}, Exception("duplicate key")), False),
        (RuntimeError("bug"), False),
    ],
)
def test_wrapped_driver_errors_are_told_from_bugs(error: Exception, transient: bool) -> None:
    """The outbox's cases: what SQLAlchemy wraps around the drivers' errors."""
    assert is_transient(error) is transient
