"""communication_audiences: a communication's whole choice of audiences when it is long

A crisis communication picks one or more audiences, stored in ``communications.audience`` as
their ids joined by commas (``communications.audiences.chosen``). All eight together take 78
characters, more than that column's 64; such a choice is kept whole in this table (the column
then holds the ids that fit). A new table, so no existing table is rebuilt on SQLite.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "communication_audiences",
        sa.Column(
            "communication_id",
            sa.Integer(),
            sa.ForeignKey("communications.id"),
            primary_key=True,
        ),
        sa.Column("audiences", sa.String(length=200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("communication_audiences")
