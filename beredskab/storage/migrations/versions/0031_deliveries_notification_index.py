"""an index for the copies of one notification

``DeliveryRepo.for_notification`` (every copy of one message to one person: what a failed
message of a notification sent on every channel at once checks before it reports the person
unreached) read the whole table: 50 ms per failure at 140,000 rows, on SQLite with the
loop and the write lock held. At 20,000 people an escalation's voice calls, failing at once
where voice is not configured, made that 1,000 s of the service's CPU and stalled the
fan-out beside it. ``ix_deliveries_notification`` (notification, id) makes it one seek,
in the order the copies are read.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_deliveries_notification", "deliveries", ["notification", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_notification", table_name="deliveries")
