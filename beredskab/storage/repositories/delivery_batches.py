"""The outbox's hot path at the driver level: lease a batch, record a group of outcomes, read
what the last check needs for a batch — one statement each (two for a lease on SQLite).

The SQL text is built once per dialect and connection type and handed to the driver as it is
(``exec_driver_sql``): no SQLAlchemy statement is built, cached-key'd or compiled per call, no
per-row parameter processing. Values are converted with the columns' own bind processors (so
what is stored is what a SQLAlchemy ``update()`` would store), and rows come back as
``Delivery`` built without per-row validation: the columns' types are known, so each value is
converted directly (timestamps once per distinct value).

PostgreSQL leases with one ``UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED) RETURNING``
and records a group with one ``UPDATE … FROM unnest(…)``; SQLite, whose write lock the
transaction already holds (``BEGIN IMMEDIATE``), selects the due ids and updates them with
``RETURNING``, and records a group with the driver's ``executemany`` (one prepared statement).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import tuple_
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import select

from beredskab.models import Delivery
from beredskab.storage.tables import confirmations, deliveries, incidents, residents
from notifier.types import ChannelKind, DeliveryStatus

COLUMNS = tuple(c.name for c in deliveries.columns)
"""Every column of a row, in the order the statements return them."""
_TIMES = frozenset({"next_attempt_at", "lease_until", "created_at", "updated_at"})
QUEUED = DeliveryStatus.QUEUED.value
SENDING = DeliveryStatus.SENDING.value


@dataclass(frozen=True, slots=True)
class Finished:
    """One outcome to record (``DeliveryRepo.finish_many``): like ``DeliveryRepo.finish``."""

    delivery_id: int
    owner: str
    status: DeliveryStatus
    provider_id: str | None = None
    error: str | None = None
    retry_at: datetime | None = None


def _time_reader(dialect: str) -> Callable[[Any], datetime | None]:
    """A stored timestamp as aware UTC, each distinct value converted once per batch."""
    seen: dict[Any, datetime] = {}

    def read(value: Any) -> datetime | None:
        if value is None:
            return None
        try:
            return seen[value]
        except KeyError:
            pass
        if isinstance(value, str):  # SQLite: ISO text, UTC without a zone
            out = datetime.fromisoformat(value).replace(tzinfo=UTC)
        else:
            out = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        seen[value] = out
        return out

    return read


def to_deliveries(rows: Sequence[Sequence[Any]], *, dialect: str) -> list[Delivery]:
    """Rows of ``COLUMNS`` as ``Delivery`` models: timestamps made aware here (once per
    distinct value), the rest validated from a plain dict by pydantic's core, which costs no
    more than ``model_construct`` (measured) — the old cost was ``from_attributes`` on
    SQLAlchemy rows after its result processing, and a ``model_copy`` per row."""
    read_time = _time_reader(dialect)
    out = []
    for row in rows:
        values = dict(zip(COLUMNS, row, strict=False))
        for name in _TIMES:
            values[name] = read_time(values[name])
        out.append(Delivery.model_validate(values))
    return out


@cache
def _time_writer(dialect: Dialect) -> Callable[[datetime | None], Any]:
    """An aware datetime as the driver takes it for a ``UTCDateTime`` column."""
    process = deliveries.c.next_attempt_at.type.bind_processor(dialect)
    return process if process is not None else (lambda value: value)


@cache
def _sql(dialect_name: str, with_channel: bool) -> tuple[str, str, str]:
    """The lease statements of a dialect: (select abandoned ids, select due ids, update) on
    SQLite; on PostgreSQL one statement (and "", "").

    Each part reads one index range and stops at the limit, whatever the table holds: rows
    whose lease ran out (few: at most what was in flight), then queued rows in the order they
    fell due (``ix_deliveries_channel_due`` is in that order; equal times by id). A single
    ``… OR … ORDER BY id`` read and sorted every row of the channel per lease, which made a
    20,000-person fan-out on SQLite several times slower per message than a 5,000-person one.
    """
    names = ", ".join(COLUMNS)
    channel = " AND channel = {channel}" if with_channel else ""
    abandoned = f"status = '{SENDING}' AND lease_until <= {{now}}{channel}"
    due = f"status = '{QUEUED}' AND next_attempt_at <= {{now}}{channel}"
    if dialect_name == "postgresql":
        returned = ", ".join(f"d.{name}" for name in COLUMNS)
        lapsed = abandoned.format(now="$1", channel="$5")
        ready = due.format(now="$1", channel="$5")
        return (
            f"WITH lapsed AS (SELECT id, status AS was FROM deliveries WHERE {lapsed} "
            "ORDER BY lease_until, id LIMIT $2 FOR UPDATE SKIP LOCKED), "
            f"ready AS (SELECT id, status AS was FROM deliveries WHERE {ready} "
            "ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED), "
            "picked AS (SELECT id, was FROM lapsed UNION ALL "
            "(SELECT id, was FROM ready LIMIT GREATEST($2 - (SELECT count(*) FROM lapsed), 0))) "
            f"UPDATE deliveries AS d SET status = '{SENDING}', lease_until = $3, "
            "lease_owner = $4, attempts = d.attempts + 1, updated_at = $1 "
            f"FROM picked WHERE d.id = picked.id RETURNING {returned}, picked.was",
            "",
            "",
        )
    return (
        f"SELECT id, status FROM deliveries WHERE {abandoned.format(now='?', channel='?')} "
        "ORDER BY lease_until, id LIMIT ?",
        f"SELECT id, status FROM deliveries WHERE {due.format(now='?', channel='?')} "
        "ORDER BY next_attempt_at, id LIMIT ?",
        f"UPDATE deliveries SET status = '{SENDING}', lease_until = ?, lease_owner = ?, "
        "attempts = attempts + 1, updated_at = ? WHERE id IN ({ids}) "
        f"RETURNING {names}",
    )


async def claim(
    conn: AsyncConnection,
    *,
    owner: str,
    now: datetime,
    lease_until: datetime,
    limit: int,
    channel: ChannelKind | None,
) -> list[tuple[Delivery, bool]]:
    """Lease due rows (see ``DeliveryRepo.claim``); (row as leased, was it abandoned), by id."""
    dialect = conn.dialect
    write = _time_writer(dialect)
    first, second, update = _sql(dialect.name, channel is not None)
    if dialect.name == "postgresql":
        args: tuple[Any, ...] = (write(now), limit, write(lease_until), owner)
        if channel is not None:
            args += (channel.value,)
        rows = (await conn.exec_driver_sql(first, args)).all()
        abandoned = {row[0]: row[-1] == SENDING for row in rows}
    else:
        stamp = write(now)
        params: tuple[Any, ...] = (stamp,) if channel is None else (stamp, channel.value)
        due: list[Any] = list((await conn.exec_driver_sql(first, (*params, limit))).all())
        if len(due) < limit:
            more = await conn.exec_driver_sql(second, (*params, limit - len(due)))
            due += more.all()
        if not due:
            return []
        abandoned = {int(row[0]): bool(row[1] == SENDING) for row in due}
        ids = list(abandoned)
        sql = update.format(ids=", ".join("?" for _ in ids))
        rows = (await conn.exec_driver_sql(sql, (write(lease_until), owner, stamp, *ids))).all()
    leased = sorted(to_deliveries(rows, dialect=dialect.name), key=lambda d: d.id)
    return [(d, abandoned[d.id]) for d in leased]


@cache
def _finish_sql(dialect_name: str) -> str:
    fields = (
        "status = {status}, lease_until = NULL, lease_owner = NULL, updated_at = {now}, "
        "error = {error}, provider_id = COALESCE({provider_id}, {old}provider_id), "
        "next_attempt_at = COALESCE({retry_at}, {old}next_attempt_at)"
    )
    if dialect_name == "postgresql":
        sets = fields.format(
            status="v.status",
            now="$1",
            error="v.error",
            provider_id="v.provider_id",
            retry_at="v.retry_at",
            old="d.",
        )
        return (
            f"UPDATE deliveries AS d SET {sets} FROM unnest($2::integer[], $3::varchar[], "
            "$4::varchar[], $5::text[], $6::varchar[], $7::timestamptz[]) "
            "AS v(id, owner, status, error, provider_id, retry_at) "
            f"WHERE d.id = v.id AND d.lease_owner = v.owner AND d.status = '{SENDING}'"
        )
    sets = fields.format(status="?", now="?", error="?", provider_id="?", retry_at="?", old="")
    return f"UPDATE deliveries SET {sets} WHERE id = ? AND lease_owner = ? AND status = '{SENDING}'"


async def finish_many(conn: AsyncConnection, items: Sequence[Finished], *, now: datetime) -> None:
    """Record outcomes of rows this worker still leases, in one statement (rows whose lease
    was lost meanwhile are left alone, as ``DeliveryRepo.finish`` does)."""
    if not items:
        return
    dialect = conn.dialect
    write = _time_writer(dialect)
    sql = _finish_sql(dialect.name)
    if dialect.name == "postgresql":
        arrays = (
            [i.delivery_id for i in items],
            [i.owner for i in items],
            [i.status.value for i in items],
            [i.error for i in items],
            [i.provider_id for i in items],
            [i.retry_at for i in items],
        )
        await conn.exec_driver_sql(sql, (write(now), *arrays))
        return
    stamp = write(now)
    rows = [
        (
            i.status.value,
            stamp,
            i.error,
            i.provider_id,
            write(i.retry_at) if i.retry_at is not None else None,
            i.delivery_id,
            i.owner,
        )
        for i in items
    ]
    await conn.exec_driver_sql(sql, rows)


@dataclass(frozen=True, slots=True)
class Freshness:
    """What the last check before a send needs for a batch (``DeliveryRepo.freshness``)."""

    closed_at: dict[int, datetime | None]
    """Per incident found: when it was closed (None while open)."""
    confirmations: dict[tuple[int, str], str]
    """Per (incident, person) asked for: the confirmation's status."""
    subscribed: frozenset[str] = frozenset()
    """Of the resident numbers asked for: those still subscribed."""


async def freshness(
    conn: AsyncConnection,
    incident_ids: set[int],
    pairs: set[tuple[int, str]],
    phones: Collection[str] = (),
) -> Freshness:
    """The incidents' close times, the people's confirmation states and which resident
    numbers are still subscribed, in one query each."""
    closed: dict[int, datetime | None] = {}
    if incident_ids:
        stmt = select(incidents.c.id, incidents.c.closed_at).where(
            incidents.c.id.in_(sorted(incident_ids))
        )
        closed = {int(i): at for i, at in await conn.execute(stmt)}
    states: dict[tuple[int, str], str] = {}
    if pairs:
        stmt = select(
            confirmations.c.incident_id, confirmations.c.person_id, confirmations.c.status
        ).where(tuple_(confirmations.c.incident_id, confirmations.c.person_id).in_(sorted(pairs)))
        found = await conn.execute(stmt)
        states = {(int(row[0]), str(row[1])): str(row[2]) for row in found}
    live: frozenset[str] = frozenset()
    if phones:
        stmt = select(residents.c.phone).where(
            residents.c.phone.in_(sorted(phones)), residents.c.stopped_at.is_(None)
        )
        live = frozenset(str(p) for p in (await conn.execute(stmt)).scalars())
    return Freshness(closed, states, live)
