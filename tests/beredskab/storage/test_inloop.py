"""On SQLite a statement runs on the event loop's thread (``storage.inloop``): what SQLAlchemy
reads from the cursor is as with aiosqlite, and a lock held by another process is waited
for without stopping the loop, at most the busy timeout."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from beredskab.storage import Database


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'one.sqlite3'}")  # the default 30 s
    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield db
    await db.dispose()


def _locked_by_another_process(path: Path) -> sqlite3.Connection:
    """Another connection (as another process would) holding the write lock."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t (name) VALUES ('other')")
    return other


async def test_a_statement_runs_on_the_loops_own_thread(database: Database) -> None:
    threads: list[int] = []
    async with database.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.dbapi_connection
        assert driver is not None
        driver._connection._conn.create_function(  # type: ignore[attr-defined]
            "whose", 0, lambda: threads.append(threading.get_ident()) or 1
        )
        assert (await conn.execute(text("SELECT whose()"))).scalar() == 1
    assert threads == [threading.get_ident()]
    assert [t.name for t in threading.enumerate() if "aiosqlite" in repr(t)] == []


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


async def test_driver_errors_are_sqlalchemys_as_before(database: Database) -> None:
    async with database.engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        with pytest.raises(IntegrityError):
            await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        with pytest.raises(OperationalError):
            await conn.execute(text("SELECT * FROM missing"))


async def test_another_processs_lock_is_waited_for_while_the_loop_runs(
    database: Database, tmp_path: Path
) -> None:
    other = _locked_by_another_process(tmp_path / "one.sqlite3")
    ticks = 0
    turned = asyncio.Event()

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1
            if ticks == 10:
                turned.set()

    async def release_once_the_writer_waits() -> None:
        await turned.wait()  # the writer is waiting and the loop has turned ten times
        other.commit()

    beat = asyncio.create_task(heartbeat())
    releaser = asyncio.create_task(release_once_the_writer_waits())
    try:
        async with database.transaction():  # BEGIN IMMEDIATE meets the other's lock
            assert ticks >= 10  # the loop ran while this waited
            assert releaser.done()
    finally:
        beat.cancel()
        await releaser
        other.close()
    async with database.engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('ours')"))
        names = (await conn.execute(text("SELECT name FROM t ORDER BY id"))).scalars()
        assert list(names) == ["other", "ours"]


async def test_a_lock_held_past_the_busy_timeout_is_the_usual_error(
    database: Database, tmp_path: Path
) -> None:
    impatient = Database(f"sqlite+aiosqlite:///{tmp_path / 'one.sqlite3'}", busy_timeout=1.0)
    other = _locked_by_another_process(tmp_path / "one.sqlite3")
    began = time.monotonic()
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            async with impatient.transaction():
                pass
        waited = time.monotonic() - began
    finally:
        other.rollback()
        other.close()
    try:
        assert waited >= 1.0  # the busy timeout, spent waiting (the loop free meanwhile)
        async with impatient.engine.begin() as conn:  # and the connections work after
            await conn.execute(text("INSERT INTO t (name) VALUES ('ours')"))
    finally:
        await impatient.dispose()


async def test_transactions_back_to_back_leave_the_loop_its_turns(database: Database) -> None:
    """A task that runs many transactions in a row (the timer tick's chunks) must not hold
    off the rest of the service — a SIGTERM's handler, requests — until it is done: statements
    on the loop's thread never suspend, so each transaction gives the loop a turn."""
    ticks = 0
    stop = asyncio.Event()

    async def heartbeat() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0)

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0)
    try:
        for _ in range(100):
            async with database.transaction():
                pass
            async with database.read():
                pass
        assert ticks >= 100, f"the loop turned {ticks} times in 200 transactions"
    finally:
        stop.set()
        await beat


async def test_what_a_writer_starts_after_its_commit_runs_before_the_next_writers_transaction(
    database: Database,
) -> None:
    """One commit wakes each channel's outbox workers together; each claims in a transaction
    and then starts its sends. A claim's sends must leave before the next worker's claim
    (their statements never suspend), not after every worker has claimed."""
    order: list[str] = []

    async def send(name: str) -> None:
        order.append(f"{name} sends")

    async def worker(name: str) -> asyncio.Task[None]:
        async with database.transaction():
            order.append(f"{name} claims")
        return asyncio.create_task(send(name))

    sends = await asyncio.gather(*(worker(name) for name in ("sms", "telegram", "email")))
    await asyncio.gather(*sends)
    assert order == [
        "sms claims",
        "sms sends",
        "telegram claims",
        "telegram sends",
        "email claims",
        "email sends",
    ]
