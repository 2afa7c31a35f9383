"""preparedness: sign-off and contact verification requests, verification campaigns

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 02:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_campaigns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "prep_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("round", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("via", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "round", "person_id", name="uq_prep_requests_round"),
    )
    with op.batch_alter_table("prep_requests", schema=None) as batch_op:
        batch_op.create_index("ix_prep_requests_person", ["person_id", "kind"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("prep_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_prep_requests_person")
    op.drop_table("prep_requests")
    op.drop_table("verification_campaigns")
