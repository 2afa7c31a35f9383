"""situation log: per-entry chain scheme (keyed HMAC from now on); UPDATE and DELETE refused

Entries written before this revision keep ``scheme = 'sha256'`` (the unkeyed rule) and still
verify; new entries are written as ``hmac-sha256``. Triggers refuse UPDATE and DELETE on
``log_entries`` (PostgreSQL: a trigger function; SQLite: RAISE(ABORT)).

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0008"
branch_labels = None
depends_on = None

REFUSAL = "log_entries is append-only"
"""The error text both databases raise (tests and operators look for it)."""

_PG_FUNCTION = f"""
CREATE FUNCTION log_entries_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
_PG_TRIGGER = """
CREATE TRIGGER log_entries_append_only BEFORE UPDATE OR DELETE ON log_entries
FOR EACH ROW EXECUTE FUNCTION log_entries_append_only()
"""
_PG_TRUNCATE = """
CREATE TRIGGER log_entries_no_truncate BEFORE TRUNCATE ON log_entries
FOR EACH STATEMENT EXECUTE FUNCTION log_entries_append_only()
"""


def _sqlite_trigger(event: str) -> str:
    return (
        f"CREATE TRIGGER log_entries_no_{event.lower()} BEFORE {event} ON log_entries "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    )


def upgrade() -> None:
    op.add_column(
        "log_entries",
        sa.Column("scheme", sa.String(length=16), server_default="sha256", nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
        op.execute(_PG_TRUNCATE)
    else:
        op.execute(_sqlite_trigger("UPDATE"))
        op.execute(_sqlite_trigger("DELETE"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER log_entries_no_truncate ON log_entries")
        op.execute("DROP TRIGGER log_entries_append_only ON log_entries")
        op.execute("DROP FUNCTION log_entries_append_only()")
    else:
        op.execute("DROP TRIGGER log_entries_no_delete")
        op.execute("DROP TRIGGER log_entries_no_update")
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_column("scheme")
