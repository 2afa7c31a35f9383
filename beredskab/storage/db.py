"""Engine, transactions and the database clock.

SQLite runs in WAL mode with a busy timeout and takes the write lock at ``BEGIN IMMEDIATE``,
so concurrent writers queue instead of failing mid-transaction. PostgreSQL uses the same code.
``is_transient`` tells a passing database failure (connection lost, server restarting, lock
held past the busy timeout) from a lasting one, so the rest of the service need not know
SQLAlchemy's or the drivers' exception types.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from beredskab.storage.repositories import Tx

Clock = Callable[[], datetime]

__all__ = ["Clock", "Database", "IntegrityError", "Tx", "is_transient"]

UNCONFIGURED_LOG_KEY = b"beredskab: no log key was configured for this Database"
"""The chain key of a ``Database`` built without one (tests, benchmarks); ``App.build`` always
passes the configured or stored key."""
BUSY_TIMEOUT_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 10.0
"""How long a new PostgreSQL connection may take before the attempt counts as failed."""
_READ = "beredskab_read"
"""Execution option: on SQLite, begin a deferred (read) transaction instead of IMMEDIATE."""
_TRANSIENT_SQLSTATE = ("08", "53", "57P", "40001", "40P01", "55P03")
"""Connection exceptions, insufficient resources, operator intervention (shutdown, cannot
connect now), serialization failure, deadlock, lock not available."""
_TRANSIENT_SQLITE = (
    "database is locked",
    "database table is locked",
    "disk i/o error",
    "unable to open database file",
    "database or disk is full",
)


class Database:
    """Owns the engine; hands out short write transactions as ``Tx`` objects."""

    def __init__(
        self,
        url: str,
        *,
        password: str | None = None,
        clock: Clock | None = None,
        echo: bool = False,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
        log_key: bytes | None = None,
    ) -> None:
        parsed = make_url(url)
        if password:
            parsed = parsed.set(password=password)
        self.url = parsed.render_as_string(hide_password=True)
        self.dialect = parsed.get_backend_name()
        self._clock = clock
        self.log_key = log_key or UNCONFIGURED_LOG_KEY
        """The situation log's chain key, handed to every transaction and to the migrations
        (see ``situation_log``)."""
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": busy_timeout}
        else:
            kwargs["pool_pre_ping"] = True
            if self.dialect == "postgresql":
                kwargs["connect_args"] = {"timeout": CONNECT_TIMEOUT_SECONDS}
        self.engine: AsyncEngine = create_async_engine(parsed, **kwargs)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine, busy_timeout_ms=round(busy_timeout * 1000))
        self._busy_timeout = busy_timeout
        self._writer = asyncio.Lock() if self.dialect == "sqlite" else None
        """SQLite has one writer: this process's write transactions queue here in order
        (instead of polling the file lock, whose back-off sleeps up to 100 ms each time)."""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One short transaction; committed on success, rolled back on error."""
        async with self._write_turn(), self.engine.begin() as conn:
            yield Tx(conn, await self._now(conn), dialect=self.dialect, log_key=self.log_key)

    @asynccontextmanager
    async def _write_turn(self) -> AsyncIterator[None]:
        """On SQLite, wait (at most the busy timeout) for this process's other writers."""
        if self._writer is None:
            yield
            return
        try:
            async with asyncio.timeout(self._busy_timeout):
                await self._writer.acquire()
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked (by this process)") from None
        try:
            yield
        finally:
            self._writer.release()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        """A read-only look (never commits). On SQLite it does not take the write lock, so it
        answers while another connection holds it."""
        async with self.engine.connect() as conn:
            await conn.execution_options(**{_READ: True})
            try:
                yield Tx(conn, await self._now(conn), dialect=self.dialect, log_key=self.log_key)
            finally:
                await conn.rollback()

    async def now(self) -> datetime:
        """The database clock (or the injected test clock), as aware UTC."""
        async with self.engine.connect() as conn:
            return await self._now(conn)

    async def _now(self, conn: AsyncConnection) -> datetime:
        if self._clock is not None:
            return self._clock()
        if self.dialect == "sqlite":
            raw = (await conn.execute(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"))).scalar()
            return datetime.fromisoformat(str(raw)).replace(tzinfo=UTC)
        value = (await conn.execute(text("SELECT clock_timestamp()"))).scalar()
        assert isinstance(value, datetime)
        return value.astimezone(UTC)

    async def upgrade(self) -> None:
        """Bring the schema to the newest migration (Alembic only when there is one to run)."""
        from beredskab.storage.schema_head import is_current

        if await is_current(self.engine):
            return
        from beredskab.storage.migrate import upgrade

        async with self.engine.begin() as conn:
            await conn.run_sync(upgrade, log_key=self.log_key)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def is_transient(error: BaseException) -> bool:
    """True for a database failure that can pass on its own: the connection was lost or
    refused, the server is restarting, a lock was held past the busy timeout, a pool or
    connect timeout. False for lasting problems (missing tables, bad SQL, constraints)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _transient_one(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _transient_one(error: BaseException) -> bool:
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, exc.TimeoutError | exc.DisconnectionError | exc.InterfaceError):
        return True  # pool exhausted / connection gone / closed underneath us
    if isinstance(error, exc.IntegrityError | exc.ProgrammingError | exc.DataError):
        return False
    if isinstance(error, exc.DBAPIError) and error.orig is not None:
        return _transient_one(error.orig)
    if isinstance(error, sqlite3.OperationalError):
        return str(error).lower().startswith(_TRANSIENT_SQLITE)
    sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if isinstance(sqlstate, str) and sqlstate:
        return sqlstate.startswith(_TRANSIENT_SQLSTATE)
    module = type(error).__module__
    if module.startswith("asyncpg") and type(error).__name__ in _ASYNCPG_TRANSIENT:
        return True
    if "database is locked" in str(error).lower():  # the aiosqlite adapter's own wrapper
        return True
    return isinstance(error, OSError | ConnectionError | TimeoutError | EOFError)


_ASYNCPG_TRANSIENT = frozenset(
    {
        "ConnectionDoesNotExistError",
        "InterfaceError",
        "InternalClientError",
        "ClientCannotConnectError",
        "ConnectionFailureError",
    }
)


def _configure_sqlite(engine: AsyncEngine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(
            "BEGIN" if conn.get_execution_options().get(_READ) else "BEGIN IMMEDIATE"
        )
