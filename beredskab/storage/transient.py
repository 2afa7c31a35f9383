"""Which database failures pass on their own.

``is_transient`` tells a passing database failure (connection lost, server restarting, lock
held past the busy timeout) from a lasting one, and ``from_database`` a failure of the
database or its connection from one of another file or socket, so the rest of the service
need not know SQLAlchemy's or the drivers' exception types.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc

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


_DRIVERS = ("sqlalchemy", "asyncpg", "aiosqlite", "sqlite3")


def from_database(exc: BaseException) -> bool:
    """Whether a failure comes from the database or the connection to it (refused, reset,
    timed out, locked past the busy timeout), not from another file or socket of the
    command."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionError | TimeoutError):
            return True
        if type(current).__module__.split(".")[0] in _DRIVERS:
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
