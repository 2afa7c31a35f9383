"""indexes for inbound at speed: the reply lookup by address, the unprocessed inbox

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # What an "OK" from a number answers: the newest SMS to that address (ack_target),
    # and the replies to it (passive limit, to_address), without scanning every delivery.
    op.create_index(
        "ix_deliveries_address", "deliveries", ["address", "channel", "id"], unique=False
    )
    # The inbox's unprocessed events, oldest first, however many processed ones there are.
    op.create_index(
        "ix_inbound_unprocessed",
        "inbound",
        ["id"],
        unique=False,
        sqlite_where=sa.text("processed_at IS NULL"),
        postgresql_where=sa.text("processed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_unprocessed", table_name="inbound")
    op.drop_index("ix_deliveries_address", table_name="deliveries")
