"""What the harness reads from the service's database: timestamps and counts, never writes
(except the Telegram links of the synthetic people before the service starts).

Completion and "applied" times come from here (``deliveries.updated_at``,
``confirmations.updated_at``), not from when a poll happened to look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from beredskab.incident.participants import KIND as ACTIVATION_FANOUT
from beredskab.storage.tables import (
    confirmations,
    deliveries,
    fanouts,
    incidents,
    telegram_links,
)

ACTIVATION = "activation"
"""The template of an activation's alerts (``TemplateKind.ACTIVATION``)."""
OPEN = ("queued", "sending")
SENT = ("sent", "delivered")
"""A message that reached its provider (a receipt may have followed)."""


@dataclass(frozen=True)
class FanOut:
    """An incident's activation alerts as the database has them now."""

    by_channel: dict[str, int]
    by_status: dict[str, int]
    open: int
    last_update: datetime | None
    last_by_channel: dict[str, datetime]

    @property
    def total(self) -> int:
        return sum(self.by_channel.values())


class DbView:
    """Read-only queries on the service's database (its own engine, in this process)."""

    def __init__(self, url: str) -> None:
        self.engine: AsyncEngine = create_async_engine(url)

    async def dispose(self) -> None:
        await self.engine.dispose()

    async def link_telegram(self, people: int, now: datetime) -> None:
        """Link synthetic person i to chat ``10_000 + i`` (setup, before the service starts)."""
        from benchmarks.service import chat_id

        rows = [
            {
                "person_id": f"bench-{i}",
                "user_id": chat_id(i),
                "chat_id": chat_id(i),
                "linked_at": now,
            }
            for i in range(people)
        ]
        if not rows:  # nobody to link (a residents-only run): an empty insert is no statement
            return
        async with self.engine.begin() as conn:
            await conn.execute(insert(telegram_links), rows)

    async def queued_at(self, incident_id: int) -> datetime | None:
        """When the activation's fan-out queued its last recipient (``fanouts.finished_at``;
        None while it runs, or when the activation needed no fan-out)."""
        query = select(func.max(fanouts.c.finished_at)).where(
            fanouts.c.incident_id == incident_id, fanouts.c.kind == ACTIVATION_FANOUT
        )
        async with self.engine.connect() as conn:
            return await conn.scalar(query)  # type: ignore[no-any-return]

    async def sent_by(self, incident_id: int, until: datetime) -> int:
        """The incident's messages of every kind (alerts, reminders, replies) that reached a
        provider by ``until``: what ``serve`` sent in that time."""
        query = select(func.count()).where(
            deliveries.c.incident_id == incident_id,
            deliveries.c.status.in_(SENT),
            deliveries.c.updated_at <= until,
        )
        async with self.engine.connect() as conn:
            return int(await conn.scalar(query) or 0)

    async def incident_created(self, incident_id: int) -> datetime:
        async with self.engine.connect() as conn:
            value = await conn.scalar(
                select(incidents.c.created_at).where(incidents.c.id == incident_id)
            )
        assert value is not None
        return value  # type: ignore[no-any-return]

    async def fan_out(self, incident_id: int, template: str | None = ACTIVATION) -> FanOut:
        """Counts of the incident's alerts (every row when ``template`` is None)."""
        query = select(
            deliveries.c.channel,
            deliveries.c.status,
            func.count(),
            func.max(deliveries.c.updated_at),
        ).where(deliveries.c.incident_id == incident_id)
        if template is not None:
            query = query.where(deliveries.c.template == template)
        query = query.group_by(deliveries.c.channel, deliveries.c.status)
        by_channel: dict[str, int] = {}
        by_status: dict[str, int] = {}
        last: dict[str, datetime] = {}
        async with self.engine.connect() as conn:
            for channel, status, count, updated in await conn.execute(query):
                by_channel[channel] = by_channel.get(channel, 0) + count
                by_status[status] = by_status.get(status, 0) + count
                if updated is not None and (channel not in last or updated > last[channel]):
                    last[channel] = updated
        open_rows = sum(by_status.get(s, 0) for s in OPEN)
        return FanOut(by_channel, by_status, open_rows, max(last.values(), default=None), last)

    async def confirmed(self, incident_id: int, people: list[str]) -> tuple[int, datetime | None]:
        """How many of ``people`` have confirmed, and the last confirmation's time."""
        query = select(func.count(), func.max(confirmations.c.updated_at)).where(
            confirmations.c.incident_id == incident_id,
            confirmations.c.status == "confirmed",
            confirmations.c.person_id.in_(people),
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).one()
        return int(row[0]), row[1]
