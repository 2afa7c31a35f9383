"""Privacy queries: retention (delete closed incidents, old audit rows and raw inbound
messages), a person's rows for an export (GDPR art. 15) and their pseudonymisation (erase).

The use cases are in ``beredskab.privacy``; this module only reads and writes rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Table, and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.storage.repositories.preparedness import prep_requests
from beredskab.storage.signals import RESIDENTS
from beredskab.storage.tables import (
    action_tokens,
    action_uses,
    api_tokens,
    audit,
    communication_variants,
    communications,
    confirmations,
    deliveries,
    fanouts,
    inbound,
    incident_purges,
    incidents,
    log_entries,
    log_erasures,
    log_seals,
    notices,
    picture_revisions,
    picture_sections,
    pin_failures,
    pin_lockouts,
    pins,
    resident_signups,
    residents,
    steps,
    tasks,
    telegram_dialogues,
    telegram_links,
    timers,
    web_codes,
    web_sessions,
)

ERASED_ADDRESS = "slettet"
"""The address an erased person's messages show."""
RETENTION = "retention"
"""The reason recorded for an incident removed by the retention rule."""

_BY_INCIDENT: tuple[Table, ...] = (
    timers,
    fanouts,
    notices,
    picture_sections,
    picture_revisions,
    log_seals,
    log_erasures,
    log_entries,
    tasks,
    steps,
    confirmations,
)
"""Tables deleted by ``incident_id`` in this order (after the deliveries and communications,
before the incident itself)."""

PERSON_COLUMNS: tuple[tuple[str, Table, tuple[str, ...]], ...] = (
    ("confirmations", confirmations, ("person_id",)),
    ("deliveries", deliveries, ("person_id",)),
    ("log_entries", log_entries, ("actor",)),
    ("tasks", tasks, ("assignee", "created_by")),
    ("steps", steps, ("finished_by",)),
    ("incidents", incidents, ("activated_by", "closed_by")),
    ("communications", communications, ("drafted_by", "approved_by")),
    ("notices", notices, ("published_by", "withdrawn_by")),
    ("picture_revisions", picture_revisions, ("author",)),
    ("timers", timers, ("person_id",)),
    ("action_tokens", action_tokens, ("person_id",)),
    ("audit", audit, ("actor",)),
    ("telegram_links", telegram_links, ("person_id",)),
    ("pins", pins, ("person_id",)),
    ("web_sessions", web_sessions, ("person_id",)),
    ("web_codes", web_codes, ("person_id",)),
    ("api_tokens", api_tokens, ("person_id",)),
    ("preparedness_requests", prep_requests, ("person_id",)),
)
"""Where a person id is stored: (section, table, the columns that may hold it)."""

SECRET_COLUMNS = frozenset({"hash", "code_hash", "token_hash", "csrf", "token", "id@web_sessions"})
"""Never exported: PIN and code hashes, session ids and CSRF tokens, button tokens."""

_DELETED_WITH_THE_PERSON: tuple[tuple[Table, Column[Any]], ...] = (
    (telegram_links, telegram_links.c.person_id),
    (pins, pins.c.person_id),
    (web_sessions, web_sessions.c.person_id),
    (web_codes, web_codes.c.person_id),
    (api_tokens, api_tokens.c.person_id),
    (prep_requests, prep_requests.c.person_id),
)
"""Bindings and sign-ins that mean nothing without the person: erase deletes them."""

_TEXT_COLUMNS: tuple[tuple[Table, tuple[str, ...]], ...] = (
    (deliveries, ("subject", "text", "short_text", "alternates", "error", "notification")),
    (confirmations, ("reason",)),
    (tasks, ("outcome", "text", "declined_by")),
    (steps, ("note",)),
    (audit, ("detail",)),
    (communications, ("subject", "text")),
    (picture_sections, ("text",)),
    (incidents, ("title", "description")),
    (fanouts, ("recipients",)),
    (inbound, ("payload", "outcome")),
    (telegram_dialogues, ("data",)),
)
"""Free text (and lists of ids) that may name a person: erase replaces the name there."""


@dataclass(frozen=True, slots=True)
class Purged:
    """What is left of an incident removed by retention."""

    incident_id: int
    closed_at: datetime | None
    purged_at: datetime
    reason: str


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _key(table: Table) -> tuple[Column[Any], ...]:
    return tuple(table.primary_key.columns)


class PrivacyRepo:
    """Retention, export and erasure queries."""

    def __init__(self, conn: AsyncConnection, *, signal: Callable[..., None] | None = None) -> None:
        self._conn = conn
        self._signal = signal  # an erased resident: the outbox reads the numbers again

    # -- retention ----------------------------------------------------------------------

    async def closed_before(self, cutoff: datetime, *, limit: int) -> list[tuple[int, datetime]]:
        """Closed incidents closed before ``cutoff``, oldest first: (id, closed_at)."""
        stmt = (
            select(incidents.c.id, incidents.c.closed_at)
            .where(incidents.c.status == "closed", incidents.c.closed_at < cutoff)
            .order_by(incidents.c.closed_at, incidents.c.id)
            .limit(limit)
        )
        return [(int(r.id), r.closed_at) for r in await self._conn.execute(stmt)]

    async def purge_incident(
        self, incident_id: int, *, closed_at: datetime | None, now: datetime, reason: str
    ) -> None:
        """Delete an incident and everything stored under it; a purge row remains (and lets
        the append-only trigger delete its log entries)."""
        await self._conn.execute(
            delete(incident_purges).where(incident_purges.c.incident_id == incident_id)
        )
        await self._conn.execute(
            insert(incident_purges).values(
                incident_id=incident_id, closed_at=closed_at, purged_at=now, reason=reason
            )
        )
        sent = select(deliveries.c.id).where(deliveries.c.incident_id == incident_id)
        await self._conn.execute(delete(action_uses).where(action_uses.c.delivery_id.in_(sent)))
        await self._conn.execute(
            delete(action_tokens).where(
                or_(
                    action_tokens.c.incident_id == incident_id,
                    action_tokens.c.delivery_id.in_(sent),
                )
            )
        )
        await self._conn.execute(delete(deliveries).where(deliveries.c.incident_id == incident_id))
        await self._conn.execute(delete(notices).where(notices.c.incident_id == incident_id))
        drafted = select(communications.c.id).where(communications.c.incident_id == incident_id)
        await self._conn.execute(
            delete(communication_variants).where(
                communication_variants.c.communication_id.in_(drafted)
            )
        )
        await self._conn.execute(
            delete(communications).where(communications.c.incident_id == incident_id)
        )
        for table in _BY_INCIDENT:
            await self._conn.execute(delete(table).where(table.c.incident_id == incident_id))
        await self._conn.execute(delete(incidents).where(incidents.c.id == incident_id))

    async def purged(self, incident_id: int) -> Purged | None:
        """The purge row of an incident removed by retention, if any."""
        stmt = select(incident_purges).where(incident_purges.c.incident_id == incident_id)
        row = (await self._conn.execute(stmt)).first()
        if row is None:
            return None
        return Purged(row.incident_id, row.closed_at, row.purged_at, row.reason)

    async def delete_audit_before(self, cutoff: datetime) -> int:
        """Delete audit rows older than ``cutoff``; how many."""
        result = await self._conn.execute(delete(audit).where(audit.c.at < cutoff))
        return int(result.rowcount or 0)

    async def delete_inbound_before(self, cutoff: datetime) -> int:
        """Delete processed inbound messages received before ``cutoff``; how many."""
        result = await self._conn.execute(
            delete(inbound).where(
                inbound.c.received_at < cutoff, inbound.c.processed_at.is_not(None)
            )
        )
        return int(result.rowcount or 0)

    async def delete_loose_deliveries_before(self, cutoff: datetime) -> int:
        """Delete finished messages outside incidents (replies, codes, reminders) last
        changed before ``cutoff``; how many."""
        old = select(deliveries.c.id).where(
            deliveries.c.incident_id.is_(None),
            deliveries.c.updated_at < cutoff,
            deliveries.c.status.in_(("sent", "delivered", "failed", "expired")),
        )
        ids = [int(r.id) for r in await self._conn.execute(old)]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            await self._conn.execute(
                delete(action_uses).where(action_uses.c.delivery_id.in_(chunk))
            )
            await self._conn.execute(
                delete(action_tokens).where(action_tokens.c.delivery_id.in_(chunk))
            )
            await self._conn.execute(delete(deliveries).where(deliveries.c.id.in_(chunk)))
        return len(ids)

    async def erasures(self, incident_id: int) -> dict[int, str]:
        """The MACs of an incident's pseudonymised log entries, by sequence number."""
        stmt = select(log_erasures.c.seq, log_erasures.c.mac).where(
            log_erasures.c.incident_id == incident_id
        )
        return {int(r.seq): str(r.mac) for r in await self._conn.execute(stmt)}

    # -- export -------------------------------------------------------------------------

    async def person_rows(self, person_id: str) -> dict[str, list[dict[str, Any]]]:
        """Every row that names the person by id, by section, secrets left out."""
        found: dict[str, list[dict[str, Any]]] = {}
        for section, table, names in PERSON_COLUMNS:
            where = or_(*(table.c[n] == person_id for n in names))
            if table is tasks:
                where = or_(where, tasks.c.declined_by.contains(person_id, autoescape=True))
            if table is audit:
                where = or_(where, audit.c.detail.contains(person_id, autoescape=True))
            rows = await self._conn.execute(select(table).where(where))
            found[section] = [
                {
                    k: _plain(v)
                    for k, v in row._mapping.items()
                    if k not in SECRET_COLUMNS and f"{k}@{table.name}" not in SECRET_COLUMNS
                }
                for row in rows
            ]
        return found

    async def log_mentions(self, needles: Sequence[str]) -> list[dict[str, Any]]:
        """Log entries whose text contains one of ``needles`` (a name, number or address)."""
        if not needles:
            return []
        stmt = select(log_entries).where(
            or_(*(log_entries.c.text.contains(n, autoescape=True) for n in needles))
        )
        return [
            {k: _plain(v) for k, v in r._mapping.items()} for r in await self._conn.execute(stmt)
        ]

    async def addresses(self, person_id: str) -> set[tuple[str, str]]:
        """Every (channel, address) the person's messages went to."""
        stmt = (
            select(deliveries.c.channel, deliveries.c.address)
            .where(deliveries.c.person_id == person_id)
            .distinct()
        )
        return {(str(r.channel), str(r.address)) for r in await self._conn.execute(stmt)}

    async def resident(self, phones: Iterable[str]) -> list[dict[str, Any]]:
        """Resident subscriptions of these numbers."""
        numbers = [p for p in phones if p]
        if not numbers:
            return []
        stmt = select(residents).where(residents.c.phone.in_(numbers))
        return [
            {k: _plain(v) for k, v in r._mapping.items()} for r in await self._conn.execute(stmt)
        ]

    async def pin_set_at(self, person_id: str) -> datetime | None:
        """When the person's PIN was set (None: no PIN)."""
        stmt = select(pins.c.set_at).where(pins.c.person_id == person_id)
        return (await self._conn.execute(stmt)).scalar_one_or_none()

    # -- erase --------------------------------------------------------------------------

    async def replace_person_id(self, person_id: str, pseudonym: str) -> int:
        """Put ``pseudonym`` wherever the person's id is stored (log entries excepted: see
        ``log_rows``); delete their bindings, PIN and sign-ins. How many rows changed."""
        changed = 0
        for table, column in _DELETED_WITH_THE_PERSON:
            changed += int(
                (await self._conn.execute(delete(table).where(column == person_id))).rowcount or 0
            )
        for _, table, names in PERSON_COLUMNS:
            if table is log_entries or any(table is t for t, _ in _DELETED_WITH_THE_PERSON):
                continue
            for name in names:
                result = await self._conn.execute(
                    update(table).where(table.c[name] == person_id).values({name: pseudonym})
                )
                changed += int(result.rowcount or 0)
        result = await self._conn.execute(
            update(deliveries)
            .where(deliveries.c.person_id == pseudonym)
            .values(address=ERASED_ADDRESS, alternates="")
        )
        changed += int(result.rowcount or 0)
        return changed

    async def replace_text(self, needles: Sequence[str], replace: Callable[[str], str]) -> int:
        """Rewrite free text that contains one of ``needles`` (log entries excepted); how
        many rows changed."""
        if not needles:
            return 0
        changed = 0
        for table, names in _TEXT_COLUMNS:
            cols = [table.c[n] for n in names]
            hit = or_(*(c.contains(n, autoescape=True) for c in cols for n in needles))
            for row in (await self._conn.execute(select(table).where(hit))).all():
                values = {
                    n: replace(row._mapping[n]) for n in names if isinstance(row._mapping[n], str)
                }
                values = {n: v for n, v in values.items() if v != row._mapping[n]}
                if not values:
                    continue
                key = and_(*(c == row._mapping[c.name] for c in _key(table)))
                await self._conn.execute(update(table).where(key).values(values))
                changed += 1
        by_number: tuple[tuple[Table, Column[Any]], ...] = (
            (pin_failures, pin_failures.c.phone),
            (pin_lockouts, pin_lockouts.c.phone),
            (resident_signups, resident_signups.c.phone),
            (residents, residents.c.phone),
        )
        for table, column in by_number:
            result = await self._conn.execute(delete(table).where(column.in_(list(needles))))
            changed += int(result.rowcount or 0)
            if table is residents and result.rowcount and self._signal is not None:
                self._signal(RESIDENTS)
        return changed

    async def log_rows(self, person_id: str, needles: Sequence[str]) -> list[dict[str, Any]]:
        """Log entries with the person as actor or named in the text (raw rows)."""
        where = log_entries.c.actor == person_id
        if needles:
            where = or_(where, *(log_entries.c.text.contains(n, autoescape=True) for n in needles))
        stmt = (
            select(log_entries).where(where).order_by(log_entries.c.incident_id, log_entries.c.seq)
        )
        return [dict(r._mapping) for r in await self._conn.execute(stmt)]

    async def erase_log_entry(
        self, *, incident_id: int, seq: int, actor: str, text: str, mac: str, now: datetime
    ) -> None:
        """Record the erasure (its MAC over the new content), then change actor and text."""
        await self._conn.execute(
            delete(log_erasures).where(
                log_erasures.c.incident_id == incident_id, log_erasures.c.seq == seq
            )
        )
        await self._conn.execute(
            insert(log_erasures).values(incident_id=incident_id, seq=seq, erased_at=now, mac=mac)
        )
        await self._conn.execute(
            update(log_entries)
            .where(log_entries.c.incident_id == incident_id, log_entries.c.seq == seq)
            .values(actor=actor, text=text)
        )
