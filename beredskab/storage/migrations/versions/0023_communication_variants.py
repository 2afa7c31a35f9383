"""language variants of crisis communications

Revision ID: 0023
Revises: 0016
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per (communication, language other than Danish): the translated subject and
    # text, and the fingerprint of the Danish subject and text it was translated from ("" if
    # it came from an older Danish text), so an edit of the Danish text shows it as older.
    op.create_table(
        "communication_variants",
        sa.Column(
            "communication_id",
            sa.Integer(),
            sa.ForeignKey("communications.id"),
            primary_key=True,
        ),
        sa.Column("language", sa.String(8), primary_key=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("communication_variants")
