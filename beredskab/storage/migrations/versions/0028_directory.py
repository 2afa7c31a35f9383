"""directory: the contact directory kept in the database, its changes and pending imports

``directory_revisions`` holds each revision of the whole directory as JSON (the newest is in
use); ``directory_changes`` what each revision changed per person, role and outreach target,
before and after; ``directory_imports`` an import previewed on the web awaiting confirmation.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_revisions",
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
    )
    op.create_table(
        "directory_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "revision",
            sa.Integer(),
            sa.ForeignKey("directory_revisions.number"),
            nullable=False,
        ),
        sa.Column("subject", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
    )
    op.create_index(
        "ix_directory_changes_subject",
        "directory_changes",
        ["subject", "subject_id", "revision"],
    )
    op.create_table(
        "directory_imports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("base", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("applied_revision", sa.Integer(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("directory_imports")
    op.drop_index("ix_directory_changes_subject", table_name="directory_changes")
    op.drop_table("directory_changes")
    op.drop_table("directory_revisions")
