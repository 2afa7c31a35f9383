"""One hand-off per statement on SQLite.

aiosqlite runs every call on its connection's own thread. Through SQLAlchemy's adapter a
statement costs three or four hand-offs to that thread and back (make the cursor, execute,
fetch the rows, close the cursor), each a queue put, a wake-up of the thread and a wake-up of
the event loop through its self-pipe, and the write lock is held across all of them. Under
load those hand-offs are most of what a webhook costs (README: Performance, inbound). The
cursor here does the four in one: the statement runs on aiosqlite's thread, which also
fetches its rows and reads the description, row count and last row id, then closes the
sqlite3 cursor; the event loop gets everything back in one hand-off. What SQLAlchemy sees
is an ordinary DBAPI cursor whose rows are already fetched (as its own adapter keeps them).

It relies on two private names of aiosqlite (``Connection._execute``, which queues a function
for the connection's thread, and ``Connection._conn``, the sqlite3 connection) and on
SQLAlchemy's aiosqlite adapter classes; ``dbapi`` returns None when their shape is not the
one expected, and the engine then uses SQLAlchemy's own adapter, as before.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.util import await_only as _await

Outcome = tuple[Any, list[Any], int, int | None]
"""What a statement left: description, rows, row count, last row id."""


def _run(driver: Any, operation: str, parameters: Any, many: bool) -> Outcome:
    """On aiosqlite's thread: execute, fetch, read what SQLAlchemy asks of a cursor, close."""
    connection: sqlite3.Connection = driver._conn
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


class OneHopCursor:
    """A DBAPI cursor for SQLAlchemy whose statement is one hand-off to aiosqlite's thread."""

    server_side = False

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._rows: collections.deque[Any] = collections.deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    def execute(self, operation: str, parameters: Any = None) -> None:
        self._hop(operation, parameters, many=False)

    def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> None:
        self._hop(operation, seq_of_parameters, many=True)

    def _hop(self, operation: str, parameters: Any, *, many: bool) -> None:
        try:
            outcome = _await(self._execute(operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)  # raises (mapped as SQLAlchemy's)
            raise
        self.description, rows, self.rowcount, self.lastrowid = outcome
        self._rows = collections.deque(rows)

    async def _execute(self, operation: str, parameters: Any, many: bool) -> Outcome:
        adapted = self._adapt_connection
        async with adapted._execute_mutex:
            driver = adapted._connection
            result: Outcome = await driver._execute(_run, driver, operation, parameters, many)
            return result

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


def dbapi() -> Any:
    """The aiosqlite DBAPI adapter whose connections make ``OneHopCursor``s, for
    ``create_async_engine(..., module=...)``; None when aiosqlite or SQLAlchemy are not
    shaped as expected (then SQLAlchemy's own adapter is used)."""
    try:
        import aiosqlite
        from sqlalchemy.dialects.sqlite.aiosqlite import (
            AsyncAdapt_aiosqlite_connection,
            AsyncAdapt_aiosqlite_dbapi,
        )
    except ImportError:
        return None
    expected = (
        callable(getattr(aiosqlite.Connection, "_execute", None))
        and isinstance(getattr(aiosqlite.Connection, "_conn", None), property)
        and callable(getattr(AsyncAdapt_aiosqlite_connection, "cursor", None))
    )
    if not expected:
        return None

    class Connection(AsyncAdapt_aiosqlite_connection):
        __slots__ = ()

        def cursor(self, server_side: bool = False) -> Any:
            if server_side:
                return super().cursor(server_side=True)
            return OneHopCursor(self)

    class Dbapi(AsyncAdapt_aiosqlite_dbapi):
        def connect(self, *arg: Any, **kw: Any) -> Any:
            adapted = super().connect(*arg, **kw)
            return Connection(self, adapted._connection)

    return Dbapi(aiosqlite, sqlite3)
