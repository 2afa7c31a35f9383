"""What ``/metrics`` reads from the database at scrape time: the outbox queue and the inbox
backlog, each in one indexed query (``ix_deliveries_due``, ``ix_inbound_pending``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.storage.tables import deliveries, inbound
from notifier.types import DeliveryStatus

OPEN = (DeliveryStatus.QUEUED.value, DeliveryStatus.SENDING.value)


@dataclass(frozen=True, slots=True)
class QueueRow:
    """Rows of one channel in one open state (queued or sending) and the oldest's age."""

    channel: str
    status: str
    count: int
    oldest: datetime


@dataclass(frozen=True, slots=True)
class Backlog:
    """Stored inbound events not processed yet, and when the oldest arrived."""

    count: int
    oldest: datetime | None


class GaugeRepo:
    """Counts of open work, read without locks."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def queue(self) -> list[QueueRow]:
        """Per channel and open state: how many rows and when the oldest was queued."""
        stmt = (
            select(
                deliveries.c.channel,
                deliveries.c.status,
                func.count(),
                func.min(deliveries.c.created_at),
            )
            .where(deliveries.c.status.in_(OPEN))
            .group_by(deliveries.c.channel, deliveries.c.status)
        )
        return [
            QueueRow(c, s, int(n), oldest) for c, s, n, oldest in await self._conn.execute(stmt)
        ]

    async def inbox_backlog(self) -> Backlog:
        """Unprocessed inbound events and the oldest one's arrival."""
        stmt = select(func.count(), func.min(inbound.c.received_at)).where(
            inbound.c.processed_at.is_(None)
        )
        count, oldest = (await self._conn.execute(stmt)).one()
        return Backlog(int(count), oldest)
