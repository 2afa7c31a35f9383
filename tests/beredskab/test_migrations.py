"""The Alembic migrations and the table definitions the queries use describe one schema."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table

import beredskab.storage.repositories  # noqa: F401  (every table is defined on import)
from beredskab.storage import Database
from beredskab.storage.tables import metadata


async def _differences(db: Database, wanted: MetaData) -> list[Any]:
    async with db.engine.connect() as conn:

        def compare(sync_conn: Any) -> list[Any]:
            context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
            return list(compare_metadata(context, wanted))

        return await conn.run_sync(compare)


async def test_a_migrated_database_matches_the_table_definitions(db: Database) -> None:
    assert await _differences(db, metadata) == []


async def test_a_drift_would_be_seen(db: Database) -> None:
    drifted = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(drifted)
    Table("timers", drifted, Column("extra", Integer), extend_existing=True)
    found = await _differences(db, drifted)
    assert [d[0] for d in found] == ["add_column"]
