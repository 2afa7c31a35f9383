"""Editing the situation log behind the service's back, as someone with full database rights
would: the append-only triggers are switched off for the statements and back on after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from beredskab.storage import Database

_SQLITE_TRIGGERS = {
    "log_entries_no_update": "UPDATE",
    "log_entries_no_delete": "DELETE",
}


async def tamper(db: Database, statement: str, **values: Any) -> None:
    """Run one UPDATE/DELETE on ``log_entries`` with the append-only triggers disabled."""
    async with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            await conn.execute(text("ALTER TABLE log_entries DISABLE TRIGGER USER"))
            await conn.execute(text(statement), values)
            await conn.execute(text("ALTER TABLE log_entries ENABLE TRIGGER USER"))
            return
        for name in _SQLITE_TRIGGERS:
            await conn.execute(text(f"DROP TRIGGER {name}"))
        await conn.execute(text(statement), values)
        for name, event in _SQLITE_TRIGGERS.items():
            await conn.execute(
                text(
                    f"CREATE TRIGGER {name} BEFORE {event} ON log_entries "
                    "BEGIN SELECT RAISE(ABORT, 'log_entries is append-only'); END"
                )
            )
