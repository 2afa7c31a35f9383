"""confirmations: the escalation moments of the per-incident sweep

``renotify_at`` and ``deputy_at`` say when a still-pending person is sent the alert again and
when their deputy is asked; the sweep clears each once done. Rows asked before this revision
keep both null: their per-person "renotify" and "deputy" timers still fire as before.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("renotify_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deputy_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.drop_column("deputy_at")
        batch_op.drop_column("renotify_at")
