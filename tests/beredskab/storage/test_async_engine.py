"""`storage.async_engine`: SQLAlchemy's asyncio engine without the ORM, the rest on demand.

Each case runs in a fresh interpreter, since what matters is what gets imported, and in
which order.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(240)  # fresh interpreters; slow under load


def _run(code: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_storage_layer_works_without_the_orm_which_still_loads_when_asked_for() -> None:
    result = _run(
        """
import asyncio, json, sys
from beredskab.storage import Database
orm_at_import = "sqlalchemy.orm" in sys.modules

async def main():
    db = Database("sqlite+aiosqlite:///:memory:")
    try:
        await db.upgrade()
        async with db.transaction() as tx:
            recent = await tx.incidents.recent()
    finally:
        await db.dispose()
    return len(recent)

count = asyncio.run(main())
orm_after_use = "sqlalchemy.orm" in sys.modules
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
import sqlalchemy.ext.asyncio as package
from beredskab.storage.db import AsyncEngine as ours
print(json.dumps({
    "orm_at_import": orm_at_import,
    "orm_after_use": orm_after_use,
    "count": count,
    "session": AsyncSession.__module__,
    "sessionmaker": async_sessionmaker.__name__,
    "same_engine": AsyncEngine is ours is package.AsyncEngine,
}))
"""
    )
    assert result == {
        "orm_at_import": False,
        "orm_after_use": False,  # a migration and a query: Core only
        "count": 0,
        "session": "sqlalchemy.ext.asyncio.session",  # the ORM's names arrive when asked for
        "sessionmaker": "async_sessionmaker",
        "same_engine": True,
    }


def test_an_asyncio_package_imported_before_is_left_as_it_is() -> None:
    result = _run(
        """
import json, sys
import sqlalchemy.ext.asyncio as before
from beredskab.storage.db import AsyncEngine
print(json.dumps({
    "same_package": sys.modules["sqlalchemy.ext.asyncio"] is before,
    "same_engine": AsyncEngine is before.AsyncEngine,
    "session": hasattr(before, "AsyncSession"),
}))
"""
    )
    assert result == {"same_package": True, "same_engine": True, "session": True}
