"""fanouts.communication_id; an index for the fallback loop's oldest candidate

- A resident send's fan-out (kind ``residents``) named its communication in ``template`` as
  ``c<id>``. It gets a column of its own, ``communication_id``; ``template`` then holds the
  communication's template, as for the other kinds. The downgrade writes ``c<id>`` back.
- ``ix_deliveries_fallback``: ``min(created_at)`` of the rows the fallback loop may hand over
  scanned every queued row (20,000 in a resident send) on each round. A partial index on
  (status, channel, created_at) of the rows with a fallback still to do makes it one seek per
  (status, channel).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

RESIDENTS = "residents"
"""The fan-out kind of a resident send (``communications.resident_send.KIND``)."""
DEFAULT_TEMPLATE = "resident_information"
"""A resident fan-out's template when its communication is gone."""

_fanouts = sa.table(
    "fanouts",
    sa.column("id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("template", sa.String()),
    sa.column("communication_id", sa.Integer()),
)
_communications = sa.table(
    "communications", sa.column("id", sa.Integer()), sa.column("template", sa.String())
)
_PENDING = "policy = 'fallback' AND fell_back IS {false} AND alternates != ''"


def _pending() -> sa.TextClause:
    false = "false" if op.get_bind().dialect.name == "postgresql" else "0"
    return sa.text(_PENDING.format(false=false))


def upgrade() -> None:
    with op.batch_alter_table("fanouts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("communication_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_fanouts_communication_id", "communications", ["communication_id"], ["id"]
        )
    bind = op.get_bind()
    templates = dict(
        bind.execute(sa.select(_communications.c.id, _communications.c.template)).all()
    )
    rows = bind.execute(
        sa.select(_fanouts.c.id, _fanouts.c.template).where(_fanouts.c.kind == RESIDENTS)
    ).all()
    for fanout_id, value in rows:
        number = value.removeprefix("c")
        if not (value.startswith("c") and number.isdigit()):
            continue
        found = int(number)
        bind.execute(
            sa.update(_fanouts)
            .where(_fanouts.c.id == fanout_id)
            .values(
                communication_id=found if found in templates else None,
                template=templates.get(found, DEFAULT_TEMPLATE),
            )
        )
    op.create_index(
        "ix_deliveries_fallback",
        "deliveries",
        ["status", "channel", "created_at"],
        unique=False,
        sqlite_where=_pending(),
        postgresql_where=_pending(),
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_fallback", table_name="deliveries")
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_fanouts.c.id, _fanouts.c.communication_id).where(
            _fanouts.c.communication_id.is_not(None)
        )
    ).all()
    for fanout_id, communication_id in rows:
        bind.execute(
            sa.update(_fanouts)
            .where(_fanouts.c.id == fanout_id)
            .values(template=f"c{communication_id}")
        )
    with op.batch_alter_table("fanouts", schema=None) as batch_op:
        batch_op.drop_constraint("fk_fanouts_communication_id", type_="foreignkey")
        batch_op.drop_column("communication_id")
