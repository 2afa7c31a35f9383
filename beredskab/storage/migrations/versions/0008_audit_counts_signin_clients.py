"""audit refusal counts per minute; sign-in codes remember client and identifier hash

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("count", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("bucket", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_audit_bucket", ["bucket"])
    with op.batch_alter_table("web_codes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("client", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("subject", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.create_index("ix_web_codes_client", ["client", "created_at"], unique=False)
        batch_op.create_index(
            "ix_web_codes_subject", ["subject", "client", "created_at"], unique=False
        )
        batch_op.create_index("ix_web_codes_created", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_web_codes_created")
        batch_op.drop_index("ix_web_codes_subject")
        batch_op.drop_index("ix_web_codes_client")
        batch_op.drop_column("subject")
        batch_op.drop_column("client")
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_constraint("uq_audit_bucket", type_="unique")
        batch_op.drop_column("bucket")
        batch_op.drop_column("count")
