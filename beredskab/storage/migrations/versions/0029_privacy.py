"""privacy: retention may delete a closed incident's log, erasure may pseudonymise an entry

The situation log stays append-only with two narrow, recorded exceptions (docs/privacy.md):

- ``incident_purges``: a closed incident deleted under ``[privacy] retention_days``. The
  DELETE trigger on ``log_entries`` lets an entry go only while a purge row for its incident
  exists that is newer than the entry (so an incident id SQLite reuses later is protected
  again). Each incident has its own chain, so the others still verify.
- ``log_erasures``: an entry whose actor and text ``beredskab person erase`` pseudonymised.
  The UPDATE trigger lets only ``actor`` and ``text`` change, and only for an entry with an
  erasure row; its hash and links stay, and the row's keyed MAC vouches for the new content.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

REFUSAL = "log_entries is append-only"
"""The error text both databases raise (the same as migration 0012)."""

_UNCHANGED = (
    "NEW.incident_id = OLD.incident_id AND NEW.seq = OLD.seq AND NEW.kind = OLD.kind "
    "AND NEW.sensitive = OLD.sensitive AND NEW.created_at = OLD.created_at "
    "AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash AND NEW.scheme = OLD.scheme"
)
_ERASED = (
    "EXISTS (SELECT 1 FROM log_erasures x WHERE x.incident_id = OLD.incident_id "
    "AND x.seq = OLD.seq)"
)
_PURGED = (
    "EXISTS (SELECT 1 FROM incident_purges p WHERE p.incident_id = OLD.incident_id "
    "AND OLD.created_at < p.purged_at)"
)
_PURGED_SQLITE = _PURGED.replace(
    "OLD.created_at < p.purged_at", "julianday(OLD.created_at) < julianday(p.purged_at)"
)
"""SQLite keeps times as text, not always with the same digits: compare them as times."""

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION log_entries_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF {_PURGED} THEN
            RETURN OLD;
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        IF {_ERASED} AND {_UNCHANGED}
           AND NEW.corrects IS NOT DISTINCT FROM OLD.corrects THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
_PG_FUNCTION_0012 = f"""
CREATE OR REPLACE FUNCTION log_entries_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def _sqlite_update(condition: str | None) -> str:
    when = f" WHEN NOT ({condition})" if condition else ""
    return (
        f"CREATE TRIGGER log_entries_no_update BEFORE UPDATE ON log_entries{when} "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    )


def _sqlite_delete(condition: str | None) -> str:
    when = f" WHEN NOT ({condition})" if condition else ""
    return (
        f"CREATE TRIGGER log_entries_no_delete BEFORE DELETE ON log_entries{when} "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    )


def upgrade() -> None:
    op.create_table(
        "incident_purges",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("incident_id"),
    )
    op.create_table(
        "log_erasures",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "seq"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)  # the 0012 triggers call it: UPDATE/DELETE and TRUNCATE
    else:
        op.execute("DROP TRIGGER log_entries_no_update")
        op.execute("DROP TRIGGER log_entries_no_delete")
        op.execute(_sqlite_update(f"{_ERASED} AND {_UNCHANGED} AND NEW.corrects IS OLD.corrects"))
        op.execute(_sqlite_delete(_PURGED_SQLITE))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION_0012)
    else:
        op.execute("DROP TRIGGER log_entries_no_update")
        op.execute("DROP TRIGGER log_entries_no_delete")
        op.execute(_sqlite_update(None))
        op.execute(_sqlite_delete(None))
    op.drop_table("log_erasures")
    op.drop_table("incident_purges")
