"""Leadership: one leader per PostgreSQL database, moved when the leader's session dies; on
SQLite one instance per database file, and it leads."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from beredskab.errors import ConfigError
from beredskab.runtime.leadership import InstanceLock, Leadership
from beredskab.storage import Database
from beredskab.storage.leader import LEADER_LOCK_KEY
from tests.e2e.service import wait_for


class Work:
    """Leader work that records when it runs."""

    def __init__(self) -> None:
        self.running = 0
        self.runs = 0

    async def __call__(self, ended: asyncio.Event) -> None:
        self.running += 1
        self.runs += 1
        try:
            await ended.wait()
        finally:
            self.running -= 1


async def test_one_leader_and_the_lock_moves_when_its_session_dies(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("advisory locks are PostgreSQL's")
    databases = [Database(db_url) for _ in range(3)]
    stop = asyncio.Event()
    instances = [Leadership(db, retry_seconds=0.2, check_seconds=0.2) for db in databases[:2]]
    works = [Work(), Work()]
    tasks = [
        asyncio.create_task(lead.run(stop, work=work))
        for lead, work in zip(instances, works, strict=True)
    ]
    try:
        await wait_for(lambda: sum(i.is_leader for i in instances) == 1)
        for _ in range(5):  # the follower keeps trying, and keeps failing
            await asyncio.sleep(0.2)
            assert sum(i.is_leader for i in instances) == 1
            assert sum(w.running for w in works) == 1
        leader = next(n for n, i in enumerate(instances) if i.is_leader)
        async with databases[2].engine.connect() as conn:  # the leader's session dies
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND objid = :key"
                ),
                {"key": LEADER_LOCK_KEY},
            )
        await wait_for(lambda: sum(i.terms for i in instances) == 2)
        await wait_for(lambda: sum(w.running for w in works) == 1)
        assert sum(i.is_leader for i in instances) == 1
        assert works[leader].runs >= 1
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        for db in databases:
            await db.dispose()
    assert not any(i.is_leader for i in instances)
    assert sum(w.running for w in works) == 0


async def test_on_sqlite_the_one_instance_leads(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'one.sqlite3'}")
    leadership, work, stop = Leadership(db, check_seconds=0.1), Work(), asyncio.Event()
    task = asyncio.create_task(leadership.run(stop, work=work))
    await wait_for(lambda: leadership.is_leader and work.running == 1)
    stop.set()
    await task
    assert (leadership.is_leader, work.running, work.runs) == (False, 0, 1)
    await db.dispose()


async def test_a_second_instance_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "beredskab.sqlite3"
    first = InstanceLock.for_database(Database(f"sqlite+aiosqlite:///{path}"))
    second = InstanceLock.for_database(Database(f"sqlite+aiosqlite:///{path}"))
    assert first is not None and second is not None
    assert first.path == path.with_name("beredskab.sqlite3.lock")
    first.acquire()
    with pytest.raises(ConfigError, match=r"another beredskab serve \(pid \d+\) is already"):
        second.acquire()
    first.release()
    second.acquire()  # free again once the first has gone
    second.release()
    assert InstanceLock.for_database(Database("sqlite+aiosqlite:///:memory:")) is None
