"""tasks defined by the chief: a text instead of a target, a due time, who gave it

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.alter_column("target_id", existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column("target_name", existing_type=sa.String(length=200), nullable=True)
        batch_op.alter_column("group_id", existing_type=sa.String(length=64), nullable=True)
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("created_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM tasks WHERE target_id IS NULL")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("created_by")
        batch_op.drop_column("due_at")
        batch_op.drop_column("text")
        batch_op.alter_column("group_id", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("target_name", existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column("target_id", existing_type=sa.String(length=64), nullable=False)
