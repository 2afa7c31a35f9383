"""Engine, transactions and the database clock.

SQLite runs in WAL mode with a busy timeout and takes the write lock at ``BEGIN IMMEDIATE``,
so concurrent writers queue instead of failing mid-transaction. PostgreSQL uses the same code.

A pooled PostgreSQL connection is not pinged before use (``pool_pre_ping`` cost a round trip
per transaction): the transaction's first statement, which reads the database clock, is the
ping. When it finds the connection dead (the server restarted, a proxy dropped it),
SQLAlchemy invalidates the pool and the transaction starts once more on a fresh connection
before any of the caller's work has run; connections are also replaced after
``POOL_RECYCLE_SECONDS``.
Which failures pass on their own is ``storage.transient``.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from beredskab.storage import inloop, signals
from beredskab.storage.async_engine import AsyncConnection, AsyncEngine, create_async_engine
from beredskab.storage.repositories import Tx
from beredskab.storage.signals import Listening, Signals

Clock = Callable[[], datetime]
log = logging.getLogger(__name__)

__all__ = ["Clock", "Database", "IntegrityError", "Tx"]

UNCONFIGURED_LOG_KEY = b"beredskab: no log key was configured for this Database"
"""The chain key of a ``Database`` built without one (tests, benchmarks); ``App.build`` always
passes the configured or stored key."""
BUSY_TIMEOUT_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 10.0
"""How long a new PostgreSQL connection may take before the attempt counts as failed."""
POOL_RECYCLE_SECONDS = 1800
"""A pooled PostgreSQL connection older than this is replaced when it is next checked out."""
_READ = "beredskab_read"
"""Execution option: on SQLite, begin a deferred (read) transaction instead of IMMEDIATE."""


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
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}  # no bodies in logs
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            # on the loop's thread, waiting for another process's lock without blocking it
            kwargs["module"] = inloop.dbapi(busy_timeout=busy_timeout)
        else:
            kwargs["pool_recycle"] = POOL_RECYCLE_SECONDS  # no pre-ping: see the docstring
            if self.dialect == "postgresql":
                kwargs["connect_args"] = {"timeout": CONNECT_TIMEOUT_SECONDS}
        self.engine: AsyncEngine = create_async_engine(parsed, **kwargs)
        self.signals = Signals()
        """Commit signals of this process (see ``storage.signals``)."""
        self._wake_socket: Path | None = None
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
            database = parsed.database or ""
            if database and database != ":memory:":
                self._wake_socket = signals.socket_path(Path(database).resolve())
        self._busy_timeout = busy_timeout
        self._writer = asyncio.Lock() if self.dialect == "sqlite" else None
        """SQLite has one writer: this process's write transactions queue here in order
        (instead of polling the file lock, whose back-off sleeps up to 100 ms each time)."""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One short transaction; committed on success, rolled back on error. The topics it
        was marked with (``Tx.signal``) are signalled once it has committed: in this process
        at once, to others by ``NOTIFY`` (PostgreSQL, sent with the commit) or a datagram
        (SQLite); a rollback signals nothing."""
        async with self._write_turn():
            await self._yield_turn()  # holding the turn: this process's next writer waits
            conn, now = await self._open()
            try:
                tx = Tx(conn, now, dialect=self.dialect, log_key=self.log_key)
                yield tx
                if tx.topics and self.dialect == "postgresql":
                    await conn.execute(
                        text("SELECT pg_notify(:channel, :payload)"),
                        {"channel": signals.CHANNEL, "payload": self.signals.payload(tx.topics)},
                    )
                await conn.commit()
            except BaseException:
                await _rollback(conn)
                raise
            finally:
                await conn.close()
        if tx.topics:
            self.signals.fire(tx.topics)
            if self._wake_socket is not None:
                signals.send_datagram(self._wake_socket, self.signals.payload(tx.topics))

    async def _yield_turn(self) -> None:
        """On SQLite, give the event loop a turn before each transaction. Its statements run
        on the loop's thread (``storage.inloop``) and never suspend, so a task that runs
        transactions back to back (the timer tick's chunks, a sweep, a batch of replies)
        would otherwise hold off everything else — a SIGTERM's handler, requests, health
        checks — until it is done. Within a transaction nothing yields: the write lock is
        held only while its statements compute.

        A writer takes the turn after ``_write_turn``: the other writers wait in that queue,
        each woken only when the one before is done, so what the one before started after
        its commit (an outbox claim's sends) runs before the next writer's transaction. Taken
        before it, every writer woken at once (one commit wakes each channel's workers) would
        run its transaction back to back ahead of those sends."""
        if self.dialect == "sqlite":
            await asyncio.sleep(0)

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
        await self._yield_turn()
        conn, now = await self._open(read=True)
        try:
            yield Tx(conn, now, dialect=self.dialect, log_key=self.log_key)
        finally:
            try:
                await _rollback(conn)
            finally:
                await conn.close()

    async def now(self) -> datetime:
        """The database clock (or the injected test clock), as aware UTC."""
        if self._clock is not None or self.dialect == "sqlite":
            return await self._now(None)
        conn, now = await self._open(read=True)
        try:
            await _rollback(conn)
        finally:
            await conn.close()
        return now

    async def connect(self) -> AsyncConnection:
        """A pooled connection checked with a round trip, outside any transaction: for one
        held apart (LISTEN, the leader's advisory lock), which would otherwise meet a dead
        pooled connection only in its own first statement. A dead one is replaced once."""
        for attempt in range(2):
            conn = await self.engine.connect()
            try:
                await conn.execute(text("SELECT 1"))
                await conn.commit()
                return conn
            except exc.DBAPIError as error:
                await conn.close()
                if attempt or not error.connection_invalidated:
                    raise
            except BaseException:
                await conn.close()
                raise
        raise AssertionError("unreachable")

    async def _open(self, *, read: bool = False) -> tuple[AsyncConnection, datetime]:
        """A pooled connection in a begun transaction, and the transaction's clock. The
        clock is its first statement on PostgreSQL and so the connection's ping: a dead
        connection is replaced once, before any caller's statement has run."""
        for attempt in range(2):
            conn = await self.engine.connect()
            try:
                if read:
                    await conn.execution_options(**{_READ: True})
                await conn.begin()  # SQLite: BEGIN (IMMEDIATE) here, before the clock is read
                return conn, await self._now(conn)
            except exc.DBAPIError as error:
                await conn.close()  # an invalidated connection is discarded, not pooled
                if attempt or not error.connection_invalidated:
                    raise
                log.info("a pooled database connection was dead; starting on a fresh one")
            except BaseException:
                await conn.close()
                raise
        raise AssertionError("unreachable")

    async def _now(self, conn: AsyncConnection | None) -> datetime:
        if self._clock is not None:
            return self._clock()
        if self.dialect == "sqlite":  # SQLite's 'now' is this machine's clock: no round trip
            now = datetime.now(UTC)
            return now.replace(microsecond=now.microsecond // 1000 * 1000)  # its precision
        assert conn is not None
        value = (await conn.execute(text("SELECT clock_timestamp()"))).scalar()
        assert isinstance(value, datetime)
        return value.astimezone(UTC)

    @property
    def can_listen(self) -> bool:
        """Whether other processes can signal this one (PostgreSQL, or a SQLite file)."""
        return self.dialect == "postgresql" or self._wake_socket is not None

    async def listen(self) -> Listening:
        """Start receiving other processes' commit signals into ``signals``: LISTEN on a
        dedicated PostgreSQL connection, or bind the SQLite file's wake socket. Raises the
        database's error when it cannot be reached; ``lost`` is set when the channel breaks."""
        if self._wake_socket is not None:
            return await signals.listen_socket(self.signals, self._wake_socket)
        if self.dialect != "postgresql":
            raise ValueError("an in-memory database has no other processes to listen to")
        return await _listen_postgres(self)

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


async def _listen_postgres(db: Database) -> Listening:
    """LISTEN on a connection of its own (kept out of the pool's rotation)."""
    conn = await db.connect()
    listening: Listening | None = None

    def notified(_driver: Any, _pid: int, _channel: str, payload: str) -> None:
        db.signals.receive(payload)

    def terminated(_driver: Any) -> None:
        if listening is not None:
            listening.lost.set()

    try:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        await driver.add_listener(signals.CHANNEL, notified)
        driver.add_termination_listener(terminated)
    except BaseException:
        await _discard(conn)
        raise

    async def close() -> None:
        with suppress(Exception):
            driver.remove_termination_listener(terminated)
            await driver.remove_listener(signals.CHANNEL, notified)
        await _discard(conn)

    async def probe() -> None:
        await driver.fetchval("SELECT 1", timeout=CONNECT_TIMEOUT_SECONDS)

    listening = Listening(close, probe)
    if driver.is_closed():
        listening.lost.set()
    return listening


async def _rollback(conn: AsyncConnection) -> None:
    """Roll back what is open; a connection that broke meanwhile is simply closed after."""
    if conn.in_transaction() and not conn.invalidated:
        with suppress(exc.DBAPIError, OSError):
            await conn.rollback()


async def _discard(conn: AsyncConnection) -> None:
    """Drop a connection whose session may be broken (never back into the pool)."""
    try:
        await conn.invalidate()
        await conn.close()
    except Exception:  # already broken; nothing more to release
        pass


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection of ``engine`` whose transactions only read: on SQLite they begin
    deferred, so they never wait for another connection's write lock (in WAL mode a reader
    sees the last commit), as ``Database.read`` does. Its caller does not commit."""
    async with engine.connect() as conn:
        await conn.execution_options(**{_READ: True})
        yield conn


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: each commit is on disk before it returns (in WAL mode one flush of the log),
        # so what a webhook answered or a claim recorded before a send survives a power cut
        # or an OS crash too, as on PostgreSQL; NORMAL could lose the last commits.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(
            "BEGIN" if conn.get_execution_options().get(_READ) else "BEGIN IMMEDIATE"
        )
