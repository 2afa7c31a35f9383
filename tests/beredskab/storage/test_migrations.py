"""The Alembic migrations and the table definitions the queries use describe one schema; a
migration that moves data does so up and down (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, inspect, text

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


async def _at(url: str, revision: str, *, down: bool = False) -> None:
    """Upgrade (or downgrade) the database at ``url`` to ``revision``."""
    from alembic import command

    from beredskab.storage.migrate import alembic_config, upgrade

    database = Database(url)
    try:
        async with database.engine.begin() as conn:
            if down:
                await conn.run_sync(lambda c: command.downgrade(alembic_config(c), revision))
            else:
                await conn.run_sync(upgrade, log_key=database.log_key, revision=revision)
    finally:
        await database.dispose()


async def _fanouts_and_indexes(url: str) -> tuple[list[tuple[Any, ...]], set[str]]:
    database = Database(url)
    try:
        async with database.engine.connect() as conn:
            columns = await conn.run_sync(
                lambda c: [x["name"] for x in inspect(c).get_columns("fanouts")]
            )
            wanted = ", ".join(
                n for n in ("id", "kind", "template", "communication_id") if n in columns
            )
            rows = (await conn.execute(text(f"SELECT {wanted} FROM fanouts ORDER BY id"))).all()
            names = await conn.run_sync(
                lambda c: {i["name"] for i in inspect(c).get_indexes("deliveries")}
            )
            await conn.rollback()
        return [tuple(r) for r in rows], {n for n in names if n}
    finally:
        await database.dispose()


_FANOUT = (
    "INSERT INTO fanouts (id, incident_id, kind, playbook_id, template, recipients, total, done, "
    "reached, messages, chunks, created_at, updated_at) VALUES (:id, 1, :kind, 'gruppe-1', "
    ":template, '1\n2', 2, 1, 1, 1, 1, :at, :at)"
)


async def test_0030_moves_a_resident_sends_communication_into_its_own_column_and_back(
    db_url: str,
) -> None:
    """Upgrade with data: ``c<id>`` becomes ``communication_id`` (and the template the
    communication's); other kinds and a value that names nothing keep theirs; the fallback
    index arrives. The downgrade restores ``c<id>`` and drops both."""
    await _at(db_url, "0029")
    at = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    database = Database(db_url)
    try:
        async with database.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO incidents (id, playbook_id, playbook_name, plan_version, title, "
                    "description, drill, status, activated_by, activated_via, created_at) "
                    "VALUES (1, 'gruppe-1', 'Gruppe 1', 'v', 'Brand i opgang 4', '', false, "
                    "'active', 'chief', 'cli', :at)"
                ),
                {"at": at},
            )
            await conn.execute(
                text(
                    "INSERT INTO communications (id, incident_id, audience, template, subject, "
                    "text, status, drafted_by, drafted_at) VALUES (7, 1, 'residents', "
                    "'resident_information', 'Brand', 'Hold vinduerne lukkede.', 'sent', "
                    "'chief', :at)"
                ),
                {"at": at},
            )
            for fanout_id, kind, template in [
                (1, "residents", "c7"),
                (2, "activation", "convene"),  # starts with "c": not a communication
                (3, "residents", "cx"),
            ]:
                await conn.execute(
                    text(_FANOUT), {"id": fanout_id, "kind": kind, "template": template, "at": at}
                )
    finally:
        await database.dispose()

    await _at(db_url, "0030")
    rows, indexes = await _fanouts_and_indexes(db_url)
    assert rows == [
        (1, "residents", "resident_information", 7),
        (2, "activation", "convene", None),
        (3, "residents", "cx", None),
    ]
    assert "ix_deliveries_fallback" in indexes

    await _at(db_url, "0029", down=True)
    rows, indexes = await _fanouts_and_indexes(db_url)
    assert rows == [(1, "residents", "c7"), (2, "activation", "convene"), (3, "residents", "cx")]
    assert "ix_deliveries_fallback" not in indexes

    await _at(db_url, "head")
    rows, _ = await _fanouts_and_indexes(db_url)
    assert rows[0] == (1, "residents", "resident_information", 7)
