"""Where a database's schema stands, read without changing anything (for `doctor`).

``sqlite_file`` says which file a SQLite URL names (so a check can refuse to create it);
``revisions`` reads ``alembic_version`` without Alembic (``schema_head.is_current`` too).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from beredskab.storage.async_engine import AsyncEngine
from beredskab.storage.db import reading


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    return Path(database) if database and database != ":memory:" else None


def dialect(url: str) -> str:
    """The database kind a URL names ("sqlite", "postgresql")."""
    return str(make_url(url).get_backend_name())


def has_password(url: str) -> bool:
    """True when the URL itself carries a password."""
    return bool(make_url(url).password)


async def revisions(engine: AsyncEngine) -> frozenset[str]:
    """The revisions in ``alembic_version`` (empty when the table does not exist), read
    without waiting for a writer (``db.reading``)."""
    async with reading(engine) as conn:
        if not await conn.run_sync(lambda sync: inspect(sync).has_table("alembic_version")):
            return frozenset()
        rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars()
        found = frozenset(str(row) for row in rows.all())
        await conn.rollback()
    return found
