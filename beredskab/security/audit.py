"""The audit trail: who did or tried what, through which channel. Append-only.

Everything written is bounded and printable first (``clean``): actor, action and channel are
cut to their column lengths, ``detail`` to ``AUDIT_DETAIL_LENGTH``, and NUL and other control
characters are dropped, so no caller-supplied text (an SMS ``From``, a form field) can make
the audit write fail on either database.

Refusals from sources that have not authenticated (a forged webhook, a sign-in attempt from
a client address) are *counted*, not repeated: ``stranger`` keeps one row per source, action,
channel and minute with a ``count``, so a flood writes a handful of rows, not one per request.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from beredskab.models import AuditEntry
from beredskab.storage import Database, Tx, is_transient
from beredskab.storage.repositories.audit import (
    AUDIT_ACTION_LENGTH,
    AUDIT_ACTOR_LENGTH,
    AUDIT_CHANNEL_LENGTH,
    AUDIT_DETAIL_LENGTH,
)

_SPACES = {"\t", "\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"}
_DROPPED = {"Cc", "Cf", "Cs", "Cn"}
"""Control (NUL among them) and format characters (bidi overrides), lone surrogates, unassigned."""

log = logging.getLogger(__name__)


def clean(text: str, limit: int) -> str:
    """``text`` as printable text of at most ``limit`` characters (line breaks become spaces)."""
    kept: list[str] = []
    for ch in text[: limit * 4]:  # enough to fill ``limit`` after dropping; never all of it
        if ch in _SPACES:
            kept.append(" ")
        elif unicodedata.category(ch) not in _DROPPED:
            kept.append(ch)
        if len(kept) >= limit:
            break
    return "".join(kept)


def bucket(*, at: datetime, source: str, action: str, channel: str) -> str:
    """The key of the counted row for this source, action and channel in ``at``'s minute."""
    minute = at.strftime("%Y-%m-%dT%H:%M")
    return hashlib.sha256(f"{minute}\x1f{channel}\x1f{action}\x1f{source}".encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One audit row to write: who did (or tried) what, through which channel."""

    actor: str
    action: str
    channel: str
    allowed: bool = True
    detail: str = ""
    incident_id: int | None = None


async def record(
    tx: Tx,
    *,
    actor: str,
    action: str,
    channel: str,
    allowed: bool = True,
    detail: str = "",
    incident_id: int | None = None,
) -> None:
    """Write an audit row in the caller's transaction."""
    await record_many(tx, [Entry(actor, action, channel, allowed, detail, incident_id)])


async def record_many(tx: Tx, entries: Sequence[Entry]) -> None:
    """Write audit rows in the caller's transaction, in one statement."""
    await tx.audit.add_many(
        [
            {
                "at": tx.now,
                "actor": clean(entry.actor, AUDIT_ACTOR_LENGTH),
                "action": clean(entry.action, AUDIT_ACTION_LENGTH),
                "channel": clean(entry.channel, AUDIT_CHANNEL_LENGTH),
                "allowed": entry.allowed,
                "detail": clean(entry.detail, AUDIT_DETAIL_LENGTH),
                "incident_id": entry.incident_id,
            }
            for entry in entries
        ]
    )


async def refusal(
    db: Database,
    *,
    actor: str,
    action: str,
    channel: str,
    detail: str,
    incident_id: int | None = None,
) -> None:
    """Write a refused attempt in its own transaction (the refused change is never written)."""
    async with db.transaction() as tx:
        await record(
            tx,
            actor=actor,
            action=action,
            channel=channel,
            allowed=False,
            detail=detail,
            incident_id=incident_id,
        )


async def counted(tx: Tx, *, source: str, action: str, channel: str, detail: str) -> None:
    """Count a refusal from an unauthenticated ``source`` in the caller's transaction.

    The first refusal of a minute writes the row (with its ``detail``); the rest of that
    minute add to its ``count``.
    """
    actor = clean(source, AUDIT_ACTOR_LENGTH) or "unknown"
    action = clean(action, AUDIT_ACTION_LENGTH)
    channel = clean(channel, AUDIT_CHANNEL_LENGTH)
    await tx.audit.count_refusal(
        bucket=bucket(at=tx.now, source=actor, action=action, channel=channel),
        at=tx.now,
        actor=actor,
        action=action,
        channel=channel,
        detail=clean(detail, AUDIT_DETAIL_LENGTH),
    )


async def stranger(db: Database, *, source: str, action: str, channel: str, detail: str) -> None:
    """Count a refusal from an unauthenticated ``source`` in its own transaction. While the
    database is unavailable the refusal is still answered; its count is only logged (at
    debug level: a flood of refusals must not flood the log either)."""
    try:
        async with db.transaction() as tx:
            await counted(tx, source=source, action=action, channel=channel, detail=detail)
    except Exception as exc:
        if not is_transient(exc):
            raise
        log.debug("refusal %s from %s not counted: database unavailable", action, source)


async def recent(
    db: Database, *, limit: int = 50, incident_id: int | None = None, refused_only: bool = False
) -> list[AuditEntry]:
    """The newest ``limit`` audit rows, oldest first; counted refusals carry their count."""
    async with db.transaction() as tx:
        return await tx.audit.recent(
            limit=limit, incident_id=incident_id, refused_only=refused_only
        )
