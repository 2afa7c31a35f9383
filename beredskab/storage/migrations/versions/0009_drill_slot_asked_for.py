"""open drills get their own open slot per playbook; confirmations remember which playbooks
asked the person

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A real incident holds the slot "<playbook>", a drill "<playbook>:drill" (unique open_key).
    op.execute(
        sa.text(
            "UPDATE incidents SET open_key = playbook_id || :suffix "
            "WHERE open_key IS NOT NULL AND drill = :yes"
        ).bindparams(suffix=":drill", yes=True)
    )
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("asked_for", sa.String(length=200), server_default="", nullable=False)
        )
    op.execute(
        "UPDATE confirmations SET asked_for = (SELECT playbook_id FROM incidents "
        "WHERE incidents.id = confirmations.incident_id) WHERE reason = 'participant'"
    )


def downgrade() -> None:
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.drop_column("asked_for")
    op.execute(
        "UPDATE incidents SET open_key = playbook_id WHERE open_key IS NOT NULL AND open_key "
        "<> playbook_id"
    )
