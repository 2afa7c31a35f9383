"""The situation log's hash chain: each entry sealed to the one before it.

Each entry's hash is HMAC-SHA256, with the log key the ``Database`` carries, over its content
and the previous hash; entries written before the key (migration 0012) keep the old unkeyed
rule. ``append_many`` (``append`` for one) is the one way entries are written (in the
caller's transaction); ``incident.situation_log`` adds the rules of what may be written and
verifies chains. The outbox writes its delivery entries through ``append`` too, which is why
the chain lives below both.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from beredskab.errors import NotFoundError
from beredskab.models import EntryKind, LogEntry
from beredskab.storage.db import UNCONFIGURED_LOG_KEY, Database, Tx

log = logging.getLogger(__name__)

GENESIS = "0" * 64
KEYED = "hmac-sha256"
"""The chain rule of every new entry: HMAC-SHA256 with the log key."""
UNKEYED = "sha256"
"""The rule of entries written before the key (migration 0012): plain SHA-256."""


def _payload(entry: LogEntry) -> bytes:
    body = json.dumps(
        [
            entry.incident_id,
            entry.seq,
            entry.kind.value,
            entry.actor,
            entry.text,
            entry.sensitive,
            entry.corrects,
            entry.created_at.isoformat(),
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return (entry.prev_hash + body).encode()


def entry_hash(entry: LogEntry, *, key: bytes | None = None) -> str:
    """The hash of an entry's content chained to the previous entry's hash, by the entry's
    own rule: keyed (HMAC-SHA256 with ``key``) or, for old entries, plain SHA-256."""
    if entry.scheme == UNKEYED:
        return hashlib.sha256(_payload(entry)).hexdigest()
    if entry.scheme != KEYED:
        return ""  # an unknown rule never matches
    return hmac.new(key or UNCONFIGURED_LOG_KEY, _payload(entry), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class NewEntry:
    """An entry to append: what it says; its number, time and hashes come from the chain."""

    incident_id: int
    kind: EntryKind
    actor: str
    text: str
    sensitive: bool = False
    corrects: int | None = None


async def append(
    tx: Tx,
    *,
    incident_id: int,
    kind: EntryKind,
    actor: str,
    text: str,
    sensitive: bool = False,
    corrects: int | None = None,
) -> LogEntry:
    """Append one entry to an incident's log in the caller's transaction; ``corrects``, if
    given, must name an existing entry (``append_many`` with one entry)."""
    entry = NewEntry(incident_id, kind, actor, text, sensitive, corrects)
    return (await append_many(tx, [entry]))[0]


async def append_many(tx: Tx, new: Sequence[NewEntry]) -> list[LogEntry]:
    """Append entries, in order, to their incidents' logs in the caller's transaction, in
    one insert; the appended entries in the same order.

    On PostgreSQL concurrent appenders queue for the chain's next link on the incident's
    row lock (``LogRepo.head``); a transaction that already appended to the chain knows its
    head and neither locks nor reads it again."""
    heads: dict[int, tuple[int, str]] = {}
    entries: list[LogEntry] = []
    for item in new:
        if item.incident_id not in heads:
            heads[item.incident_id] = await tx.log.head(item.incident_id) or (0, GENESIS)
        seq, prev = heads[item.incident_id]
        if item.corrects is not None and (item.corrects > seq or item.corrects < 1):
            raise NotFoundError(
                "log entry {entry} does not exist in incident {nr}",
                entry=item.corrects,
                nr=item.incident_id,
            )
        draft = LogEntry(
            incident_id=item.incident_id,
            seq=seq + 1,
            kind=item.kind,
            actor=item.actor,
            text=item.text,
            sensitive=item.sensitive,
            corrects=item.corrects,
            created_at=tx.now,
            prev_hash=prev,
            hash="",
            scheme=KEYED,
        )
        entry = draft.model_copy(update={"hash": entry_hash(draft, key=tx.log_key)})
        heads[item.incident_id] = (entry.seq, entry.hash)
        entries.append(entry)
    await tx.log.append_many(entries)
    return entries


async def key_in_use(*, db: Database) -> bool:
    """Whether the newest keyed entry verifies with the database's key; warns if it does not
    (another key wrote it: a lost or replaced key file, or instances with different keys)."""
    async with db.read() as tx:
        newest = await tx.log.newest_keyed(KEYED)
        if newest is None or hmac.compare_digest(entry_hash(newest, key=tx.log_key), newest.hash):
            return True
    log.warning(
        "the newest situation-log entry (incident %s, entry %s) does not verify with this "
        "log key: restore the key that wrote it ([security] log_key or <data_dir>/keys/log.key, "
        "the same on every instance), or `beredskab log verify %s` shows where the log changed",
        newest.incident_id,
        newest.seq,
        newest.incident_id,
    )
    return False
