"""SQLite on the event loop's own thread: a statement is a plain call, never a hand-off.

aiosqlite runs each connection on a thread of its own, so every statement is a hand-off to
that thread and back: a queue put, a wake-up of the thread, and a wake-up of the event loop
through its self-pipe. The statement itself (SQLite's work on a few rows) takes
microseconds; the hand-off, and above all the wait until a busy loop gets back to the
coroutine that holds SQLite's one write lock, take far longer. Under the inbound load the
write lock was held ~100 % of the time while the loop's thread was busy only ~65 % of it:
the writers queued behind each other's hand-offs (README "Performance", fifth round).

Here SQLAlchemy's aiosqlite adapter is given connections whose calls run ``sqlite3``
directly on the loop's thread: a transaction holds the write lock only for the time its
statements compute. What must never happen on the loop's thread is a wait: the C-level busy
handler is off (``timeout=0``), so a statement that finds the database locked by another
process fails at once with ``SQLITE_BUSY``, and the cursor waits here, asynchronously
(``asyncio.sleep``, the loop keeps serving), and tries the statement again until the busy
timeout has passed, which is what SQLite's own handler does on its thread. The write
transactions of this process queue in ``Database._write_turn`` and never meet each other's
lock.

SQLAlchemy sees the aiosqlite dialect with an ordinary DBAPI connection and cursor: rows,
row counts, last row ids and errors (mapped by the adapter) are as before.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import time
from collections.abc import Generator, Iterator, Sequence
from typing import Any

from sqlalchemy.util import await_only as _await

BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, 261})  # 261: SQLITE_BUSY_RECOVERY
"""Locked by another connection, worth trying again. Not ``SQLITE_BUSY_SNAPSHOT`` (517): a
read snapshot too old to write from does not get younger by waiting."""
FIRST_PAUSE_SECONDS = 0.001
LONGEST_PAUSE_SECONDS = 0.05

Outcome = tuple[Any, list[Any], int, int | None]
"""What a statement left: description, rows, row count, last row id."""


class _Done:
    """An awaitable that is done at once. SQLAlchemy checks that a statement of an async
    driver went through ``await`` (``AwaitRequired`` otherwise): awaiting this is a switch
    between greenlets and back, without giving the event loop a turn."""

    def __await__(self) -> Generator[None, None, None]:
        return
        yield  # a generator that ends at once


_DONE = _Done()


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> Outcome:
    """Execute, fetch, read what SQLAlchemy asks of a cursor, close."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _busy(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and (
        getattr(error, "sqlite_errorcode", None) in BUSY_CODES
    )


async def _again(
    connection: sqlite3.Connection,
    operation: str,
    parameters: Any,
    many: bool,
    error: sqlite3.OperationalError,
    busy_timeout: float,
) -> Outcome:
    """Try a statement that met another process's lock again, pausing asynchronously,
    until it runs or ``busy_timeout`` has passed (then the lock's error is raised)."""
    give_up = time.monotonic() + busy_timeout
    pause = FIRST_PAUSE_SECONDS
    while True:
        left = give_up - time.monotonic()
        if left <= 0:
            raise error
        await asyncio.sleep(min(pause, left))
        pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
        try:
            return _run(connection, operation, parameters, many)
        except sqlite3.OperationalError as again:
            if not _busy(again):
                raise
            error = again


class InLoopCursor:
    """A DBAPI cursor for SQLAlchemy whose statements run on the calling (loop's) thread."""

    server_side = False

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._rows: collections.deque[Any] = collections.deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    def execute(self, operation: str, parameters: Any = None) -> None:
        self._execute(operation, parameters, many=False)

    def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> None:
        self._execute(operation, seq_of_parameters, many=True)

    def _execute(self, operation: str, parameters: Any, *, many: bool) -> None:
        adapted = self._adapt_connection
        driver: InLoopConnection = adapted._connection
        try:
            _await(_DONE)
            try:
                outcome = _run(driver._conn, operation, parameters, many)
            except sqlite3.OperationalError as error:
                if not _busy(error):
                    raise
                outcome = _await(
                    _again(driver._conn, operation, parameters, many, error, driver.busy_timeout)
                )
        except Exception as error:
            adapted._handle_exception(error)  # raises (mapped as SQLAlchemy's)
            raise
        self.description, rows, self.rowcount, self.lastrowid = outcome
        self._rows = collections.deque(rows)

    async def _async_soft_close(self) -> None:
        """SQLAlchemy's asyncio layer closes a cursor this way; this one is closed already."""

    def close(self) -> None:
        self._rows.clear()

    def setinputsizes(self, *inputsizes: Any) -> None:
        """Nothing to set on SQLite."""

    def __iter__(self) -> Iterator[Any]:
        while self._rows:
            yield self._rows.popleft()

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        rows = self._rows
        return [rows.popleft() for _ in range(min(size or self.arraysize, len(rows)))]

    def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows


class InLoopConnection:
    """The part of ``aiosqlite.Connection`` SQLAlchemy's adapter uses, on a ``sqlite3``
    connection called directly (its coroutines finish without suspending)."""

    def __init__(self, conn: sqlite3.Connection, busy_timeout: float) -> None:
        self._conn = conn
        self._connection: sqlite3.Connection | None = conn  # the adapter checks it is open
        self.busy_timeout = busy_timeout

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Close (at once; also SQLAlchemy's terminate); closing again does nothing."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._conn.create_function(*args, **kw)


def dbapi(*, busy_timeout: float) -> Any:
    """The DBAPI module for ``create_async_engine(..., module=...)`` with the aiosqlite
    dialect: connections that run on the loop's thread, waiting for another process's lock
    at most ``busy_timeout`` seconds (asynchronously)."""
    import aiosqlite
    from sqlalchemy.dialects.sqlite.aiosqlite import (
        AsyncAdapt_aiosqlite_connection,
        AsyncAdapt_aiosqlite_dbapi,
    )

    class Connection(AsyncAdapt_aiosqlite_connection):
        __slots__ = ()

        def cursor(self, server_side: bool = False) -> Any:
            return InLoopCursor(self)

        @property
        def isolation_level(self) -> str | None:
            return self._connection.isolation_level  # type: ignore[no-any-return]

        @isolation_level.setter
        def isolation_level(self, value: str | None) -> None:
            self._connection._conn.isolation_level = value

    class Dbapi(AsyncAdapt_aiosqlite_dbapi):
        def connect(self, *arg: Any, **kw: Any) -> Any:
            kw.pop("async_creator_fn", None)
            kw["timeout"] = 0  # no C busy handler: it would sleep on the loop's thread
            kw["check_same_thread"] = False  # a pool may close it from a finalizer
            try:
                conn = sqlite3.connect(*arg, **kw)
            except Exception as error:
                Connection._handle_exception_no_connection(self, error)
            driver: Any = InLoopConnection(conn, busy_timeout)  # aiosqlite's shape, in part
            return Connection(self, driver)

    return Dbapi(aiosqlite, sqlite3)
