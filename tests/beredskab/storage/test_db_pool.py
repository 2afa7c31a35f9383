"""Pooled PostgreSQL connections without a pre-ping: the transaction's clock query is the
ping, and a dead pooled connection is replaced before the caller's work runs
(``storage.db.Database._open``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import event, text

from beredskab.storage import Database, is_transient


def _postgres(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("a pooled server connection is a PostgreSQL matter")


async def _terminate_pooled(db: Database, killer: Database) -> int:
    """Terminate, from another connection, the server process behind ``db``'s pooled one."""
    async with db.transaction() as tx:
        pid = int((await tx._conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())
    async with killer.engine.connect() as other:
        await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await other.commit()
    return pid


async def test_a_dead_pooled_connection_is_replaced_before_the_callers_work(db_url: str) -> None:
    _postgres(db_url)
    db, killer = Database(db_url), Database(db_url)
    try:
        await db.upgrade()
        dead = await _terminate_pooled(db, killer)
        ran = 0
        async with db.transaction() as tx:  # on the dead connection first: replaced at once
            ran += 1
            pid = int((await tx._conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())
            assert await tx.deliveries.open_count() == 0
        assert ran == 1 and pid != dead  # the caller's block ran once, on a fresh connection
        await _terminate_pooled(db, killer)
        async with db.read() as tx:  # reads too
            assert await tx.deliveries.open_count() == 0
        await _terminate_pooled(db, killer)
        assert (await db.now()).tzinfo is not None
    finally:
        await db.dispose()
        await killer.dispose()


async def test_a_connection_lost_inside_the_callers_work_is_not_retried(db_url: str) -> None:
    _postgres(db_url)
    db, killer = Database(db_url), Database(db_url)
    ran = 0
    try:
        await db.upgrade()
        with pytest.raises(Exception) as caught:
            async with db.transaction() as tx:
                ran += 1
                pid = (await tx._conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                async with killer.engine.connect() as other:
                    await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                    await other.commit()
                await tx._conn.execute(text("SELECT 1"))
        assert ran == 1 and is_transient(caught.value), repr(caught.value)
        async with db.transaction() as tx:  # and the next transaction works
            assert await tx.deliveries.open_count() == 0
    finally:
        await db.dispose()
        await killer.dispose()


async def test_a_transaction_costs_no_ping(db_url: str) -> None:
    """No pre-ping round trips (BEGIN, ``;``, ROLLBACK on asyncpg) per transaction."""
    _postgres(db_url)
    db = Database(db_url)
    pings: Counter[str] = Counter()
    ping = db.engine.sync_engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings["ping"] += 1
        return bool(ping(dbapi_connection))

    db.engine.sync_engine.dialect.do_ping = counted  # type: ignore[method-assign]
    statements: list[str] = []
    event.listen(
        db.engine.sync_engine,
        "before_cursor_execute",
        lambda _c, _cur, sql, *_a: statements.append(sql.split(None, 1)[0].upper()),
    )
    try:
        await db.upgrade()
        statements.clear()
        for _ in range(5):
            async with db.transaction() as tx:
                await tx.deliveries.open_count()
        assert pings["ping"] == 0
        assert statements == ["SELECT", "SELECT"] * 5  # the clock, the caller's
    finally:
        await db.dispose()
