"""delivery fallback, telegram links, action tokens

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 01:20:48.658915
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telegram_links",
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id"),
        sa.UniqueConstraint("user_id"),
    )
    op.create_table(
        "action_tokens",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
        ),
        sa.PrimaryKeyConstraint("token"),
    )
    with op.batch_alter_table("action_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_action_tokens_delivery", ["delivery_id"], unique=False)

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notification", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("policy", sa.String(length=16), server_default="all", nullable=False)
        )
        batch_op.add_column(sa.Column("alternates", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("fell_back", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("actions", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), server_default="da", nullable=False)
        )
        batch_op.create_index(
            "ix_deliveries_channel_due", ["channel", "status", "next_attempt_at"], unique=False
        )
        batch_op.create_index("ix_deliveries_provider", ["provider_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_provider")
        batch_op.drop_index("ix_deliveries_channel_due")
        batch_op.drop_column("language")
        batch_op.drop_column("actions")
        batch_op.drop_column("fell_back")
        batch_op.drop_column("alternates")
        batch_op.drop_column("policy")
        batch_op.drop_column("notification")

    with op.batch_alter_table("action_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_action_tokens_delivery")

    op.drop_table("action_tokens")
    op.drop_table("telegram_links")
