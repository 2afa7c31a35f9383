"""situation log: per-entry chain scheme (keyed HMAC from now on), seals over the old
entries, UPDATE and DELETE refused

Entries written before this revision keep ``scheme = 'sha256'`` (the unkeyed rule) and still
verify; new entries are written as ``hmac-sha256``. Each incident that has entries gets one
row in ``log_seals``: its entry count and last hash, MACed with the log key (handed in by
``Database.upgrade``), so the old entries cannot be recomputed later without the key either.
Triggers refuse UPDATE and DELETE on ``log_entries`` (PostgreSQL: a trigger function, also
TRUNCATE; SQLite: RAISE(ABORT)).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import context, op

revision = "0012"
down_revision = "0011"
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


def seal_mac(key: bytes, *, incident_id: int, entries: int, last_hash: str) -> str:
    """The seal's MAC (``situation_log.seal_mac`` computes the same)."""
    message = f"legacy-seal:{incident_id}:{entries}:{last_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def upgrade() -> None:
    key = context.config.attributes.get("log_key")
    if not isinstance(key, bytes) or not key:
        raise RuntimeError("migration 0012 needs the log key: run it through Database.upgrade")
    op.add_column(
        "log_entries",
        sa.Column("scheme", sa.String(length=16), server_default="sha256", nullable=False),
    )
    seals = op.create_table(
        "log_seals",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("incident_id"),
    )
    bind = op.get_bind()
    last = bind.execute(
        sa.text(
            "SELECT e.incident_id, e.seq, e.hash FROM log_entries e WHERE e.seq = "
            "(SELECT max(seq) FROM log_entries m WHERE m.incident_id = e.incident_id)"
        )
    ).all()
    now = datetime.now(UTC)
    stamp = now.replace(tzinfo=None) if bind.dialect.name == "sqlite" else now
    rows = [
        {
            "incident_id": incident_id,
            "entries": seq,
            "last_hash": last_hash,
            "mac": seal_mac(key, incident_id=incident_id, entries=seq, last_hash=last_hash),
            "sealed_at": stamp,
        }
        for incident_id, seq, last_hash in last
    ]
    if rows:
        op.bulk_insert(seals, rows)
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
    op.drop_table("log_seals")
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_column("scheme")
