"""communications: room for several audiences (``audience`` up to 200 characters)

A crisis communication picks one or more audiences, stored as their ids joined by commas
(``communications.audiences.chosen``); all eight together take 78 characters. SQLite does not
enforce a VARCHAR length, so only PostgreSQL's column changes.

Revision ID: 0028
Revises: 0026
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "communications",
            "audience",
            type_=sa.String(200),
            existing_type=sa.String(64),
            existing_nullable=False,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "communications",
            "audience",
            type_=sa.String(64),
            existing_type=sa.String(200),
            existing_nullable=False,
        )
