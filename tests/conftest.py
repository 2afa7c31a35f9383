"""Shared fixtures: the plan, a migrated database on SQLite and on PostgreSQL, a test clock."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from beredskab.plan import Plan, load_plan
from beredskab.storage import Database
from tests.peers.smtp import smtp_peer, smtps_peer
from tests.peers.telegram_api import fake_bot_api
from tests.peers.twilio import prism
from tests.postgres import REQUIRE_ENV, cluster, create_database, drop_database, find_bindir
from tests.processes import reap

__all__ = ["fake_bot_api", "prism", "smtp_peer", "smtps_peer"]

_db_names = itertools.count()


class TestClock:
    """A controllable clock for the database layer (tz-aware UTC)."""

    __test__ = False

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move time forward."""
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def _reap_services() -> Iterator[None]:
    """Kill whatever service a test started and left running (see tests/processes.py)."""
    yield
    reap()


@pytest.fixture(scope="session")
def plan() -> Plan:
    """The bundled playbooks with the fictional example directory."""
    return load_plan(playbooks_dir=None, directory_file=None)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str | None]:
    """A throwaway PostgreSQL cluster for the whole session, or None when not installed."""
    if find_bindir() is None:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{REQUIRE_ENV} is set but PostgreSQL binaries were not found")
        yield None
        return
    with cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/test.sqlite3"
        return
    server = request.getfixturevalue("pg_server")
    if server is None:
        pytest.skip(f"PostgreSQL binaries not installed (set {REQUIRE_ENV}=1 to fail instead)")
    name = f"t{os.getpid()}_{next(_db_names)}"
    create_database(server, name)
    yield f"{server}/{name}"
    drop_database(server, name)


@pytest.fixture
def clock() -> TestClock:
    """A clock tests can move."""
    return TestClock()


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    """A migrated database on the real DB clock."""
    database = Database(db_url)
    await database.upgrade()
    yield database
    await database.dispose()
