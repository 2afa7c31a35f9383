"""Run the Alembic migrations on a live connection."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection


def alembic_config(connection: Connection | None = None, *, log_key: bytes | None = None) -> Config:
    """An Alembic config pointing at the bundled migrations (``log_key``: for migrations that
    seal the situation log, 0012)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(files("beredskab.storage") / "migrations"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    if log_key is not None:
        cfg.attributes["log_key"] = log_key
    return cfg


def upgrade(
    connection: Connection, *, log_key: bytes | None = None, revision: str = "head"
) -> None:
    """Upgrade the schema to ``revision`` on the given (synchronous) connection."""
    command.upgrade(alembic_config(connection, log_key=log_key), revision)
