"""Alembic environment: always runs on the connection handed in by ``beredskab.storage``."""

from __future__ import annotations

from alembic import context

from beredskab.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `beredskab db upgrade`, which supplies a connection")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
