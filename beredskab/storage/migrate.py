"""Run the Alembic migrations on a live connection."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the bundled migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(files("beredskab.storage") / "migrations"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection: Connection) -> None:
    """Upgrade the schema to head on the given (synchronous) connection."""
    command.upgrade(alembic_config(connection), "head")
