"""Telling a database outage from a bug: the errors that mean "the database cannot be reached
or is locked right now, try again later" (connection refused or lost, server restarting,
SQLite lock past the busy timeout, pool exhausted)."""

from __future__ import annotations

from sqlalchemy import exc as sa

_OUTAGE_TYPES: tuple[type[BaseException], ...] = (
    sa.OperationalError,
    sa.InterfaceError,
    sa.DisconnectionError,
    sa.TimeoutError,  # pool checkout timed out
    OSError,  # connection refused or reset (asyncpg connects raise it unwrapped)
    TimeoutError,
)

try:  # the PostgreSQL driver is optional
    import asyncpg  # type: ignore[import-untyped]

    _OUTAGE_TYPES += (
        asyncpg.PostgresConnectionError,
        asyncpg.InterfaceError,
        asyncpg.CannotConnectNowError,
        asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, crash shutdown
    )
except ImportError:  # pragma: no cover - SQLite-only installations
    pass


def is_outage(error: BaseException) -> bool:
    """True when ``error`` (or what caused it) means the database is unreachable or locked."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _OUTAGE_TYPES):
            return True
        if isinstance(current, sa.DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False
