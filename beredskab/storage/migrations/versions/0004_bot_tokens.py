"""bot buttons without a delivery; telegram dialogue state

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 03:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("action_tokens", schema=None) as batch_op:
        batch_op.alter_column("delivery_id", existing_type=sa.Integer(), nullable=True)
    op.create_table(
        "telegram_dialogues",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=128), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("telegram_dialogues")
    op.execute("DELETE FROM action_tokens WHERE delivery_id IS NULL")
    with op.batch_alter_table("action_tokens", schema=None) as batch_op:
        batch_op.alter_column("delivery_id", existing_type=sa.Integer(), nullable=False)
