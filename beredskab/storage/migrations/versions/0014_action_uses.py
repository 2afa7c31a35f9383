"""action_uses: one row per use of a derived action token (buttons and email links are
derived from the delivery id with a keyed MAC instead of stored in ``action_tokens``)

Tokens already in ``action_tokens`` (messages sent before this revision, preparedness
requests, the bot's own buttons) keep working and keep their ``used_at``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "action_uses",
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["deliveries.id"]),
        sa.PrimaryKeyConstraint("delivery_id", "action"),
    )


def downgrade() -> None:
    op.drop_table("action_uses")
