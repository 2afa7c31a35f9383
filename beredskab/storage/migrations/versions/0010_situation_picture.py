"""situation picture: versioned revisions per incident, the headings each revision changed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "picture_revisions",
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("via", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("log_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "version"),
    )
    op.create_table(
        "picture_sections",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("heading", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id", "version"],
            ["picture_revisions.incident_id", "picture_revisions.version"],
        ),
        sa.PrimaryKeyConstraint("incident_id", "version", "heading"),
    )


def downgrade() -> None:
    op.drop_table("picture_sections")
    op.drop_table("picture_revisions")
