"""residents: resident subscriptions with consent, and pending sign-ups of the public page

A resident (not a directory person) subscribes by SMS (``TILMELD <zone> [sprog]``) or on the
public page ``/tilmeld``; only the number, zone, language, consent text version and time,
subscribed/stopped times and the channel are stored. A STOP ends the row; subscribing again
is a new row with its own consent.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "residents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("zone", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("consent_version", sa.String(32), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subscribed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(8), nullable=False),
    )
    op.create_index("ix_residents_active", "residents", ["zone", "language", "stopped_at"])
    op.create_index(
        "ux_residents_phone_active",
        "residents",
        ["phone"],
        unique=True,
        sqlite_where=sa.text("stopped_at IS NULL"),
        postgresql_where=sa.text("stopped_at IS NULL"),
    )
    op.create_table(
        "resident_signups",
        sa.Column("code_id", sa.Integer(), primary_key=True),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("zone", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("consent_version", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("resident_signups")
    op.drop_index("ux_residents_phone_active", table_name="residents")
    op.drop_index("ix_residents_active", table_name="residents")
    op.drop_table("residents")
