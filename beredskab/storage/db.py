"""Engine, transactions and the database clock.

SQLite runs in WAL mode with a busy timeout and takes the write lock at ``BEGIN IMMEDIATE``,
so concurrent writers queue instead of failing mid-transaction. PostgreSQL uses the same code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from beredskab.storage.repositories import Tx

Clock = Callable[[], datetime]

__all__ = ["Clock", "Database", "IntegrityError", "Tx"]


class Database:
    """Owns the engine; hands out short write transactions as ``Tx`` objects."""

    def __init__(
        self,
        url: str,
        *,
        password: str | None = None,
        clock: Clock | None = None,
        echo: bool = False,
    ) -> None:
        parsed = make_url(url)
        if password:
            parsed = parsed.set(password=password)
        self.url = parsed.render_as_string(hide_password=True)
        self.dialect = parsed.get_backend_name()
        self._clock = clock
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: AsyncEngine = create_async_engine(parsed, **kwargs)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One short transaction; committed on success, rolled back on error."""
        async with self.engine.begin() as conn:
            yield Tx(conn, await self._now(conn), dialect=self.dialect)

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
        """Bring the schema to the newest migration."""
        from beredskab.storage.migrate import upgrade

        async with self.engine.begin() as conn:
            await conn.run_sync(upgrade)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
