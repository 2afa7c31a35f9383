"""inbound inbox, pins, lockouts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 01:56:39.086442
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("provider_id", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "provider_id", name="uq_inbound_provider"),
    )
    with op.batch_alter_table("inbound", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_pending", ["processed_at"], unique=False)

    op.create_table(
        "pin_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pin_failures", schema=None) as batch_op:
        batch_op.create_index("ix_pin_failures_phone", ["phone", "at"], unique=False)

    op.create_table(
        "pin_lockouts",
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("phone"),
    )
    op.create_table(
        "pins",
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id"),
    )


def downgrade() -> None:
    op.drop_table("pins")
    op.drop_table("pin_lockouts")
    with op.batch_alter_table("pin_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_pin_failures_phone")

    op.drop_table("pin_failures")
    with op.batch_alter_table("inbound", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_pending")

    op.drop_table("inbound")
