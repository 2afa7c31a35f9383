"""tasks: who has declined a task (``declined_by``)

A declined outreach task is offered to the next staff member in the directory's standing
assignments; ``declined_by`` (space-separated person ids) keeps it from coming back to someone
who declined it. Null for tasks nobody has declined.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("declined_by", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("declined_by")
