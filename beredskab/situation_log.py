"""The situation log: append-only, hash-chained, written in the same transaction as the change.

Every state change calls ``append`` inside its own transaction, so a change and its entry
commit together or not at all. Corrections are new entries pointing at the corrected one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from beredskab import access, acknowledgements, audit
from beredskab.errors import InvalidStateError, NotFoundError
from beredskab.incidents import require
from beredskab.models import EntryKind, LogEntry
from beredskab.plan import Plan
from beredskab.security import bounds
from beredskab.storage import Database, Tx

GENESIS = "0" * 64


def entry_hash(entry: LogEntry) -> str:
    """The hash of an entry's content chained to the previous entry's hash."""
    payload = json.dumps(
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
    return hashlib.sha256((entry.prev_hash + payload).encode()).hexdigest()


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
    """Append one entry to an incident's log in the caller's transaction."""
    last = await tx.log.last(incident_id)
    if corrects is not None and (last is None or corrects > last.seq or corrects < 1):
        raise NotFoundError(f"log entry {corrects} does not exist in incident {incident_id}")
    draft = LogEntry(
        incident_id=incident_id,
        seq=(last.seq + 1) if last else 1,
        kind=kind,
        actor=actor,
        text=text,
        sensitive=sensitive,
        corrects=corrects,
        created_at=tx.now,
        prev_hash=last.hash if last else GENESIS,
        hash="",
    )
    entry = draft.model_copy(update={"hash": entry_hash(draft)})
    await tx.log.append(entry)
    return entry


@dataclass(frozen=True)
class ChainCheck:
    """Result of verifying a log's hash chain."""

    ok: bool
    entries: int
    first_bad_seq: int | None = None


def verify(entries: Sequence[LogEntry]) -> ChainCheck:
    """Check that no entry was altered, removed or reordered."""
    prev = GENESIS
    for expected_seq, entry in enumerate(entries, start=1):
        if entry.seq != expected_seq or entry.prev_hash != prev or entry_hash(entry) != entry.hash:
            return ChainCheck(ok=False, entries=len(entries), first_bad_seq=entry.seq)
        prev = entry.hash
    return ChainCheck(ok=True, entries=len(entries))


NOTE_KINDS = (EntryKind.NOTE, EntryKind.DECISION, EntryKind.MEDIA, EntryKind.CORRECTION)


async def add_entry(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    actor_id: str,
    text: str,
    channel: str,
    kind: EntryKind = EntryKind.NOTE,
    sensitive: bool = False,
    corrects: int | None = None,
) -> LogEntry:
    """A person adds a note, decision, media observation or correction to the log."""
    bounds.text(text, field="the entry")
    if corrects is not None and not bounds.valid_id(corrects):
        raise NotFoundError(f"incident {incident_id} has no entry {corrects} to correct")
    actor = access.person(plan, actor_id)
    if kind not in NOTE_KINDS:
        raise InvalidStateError(f"people add {', '.join(k.value for k in NOTE_KINDS)} entries")
    if not text.strip():
        raise InvalidStateError("the entry is empty; write what happened")
    if corrects is not None:
        kind = EntryKind.CORRECTION
    async with access.audited(db), db.transaction() as tx:
        incident = await require(tx, incident_id)
        playbook = plan.playbook(incident.playbook_id)
        involved = await tx.incidents.confirmation(incident_id, actor.id) is not None or bool(
            await tx.tasks.list(incident_id, assignee=actor.id)
        )
        if not involved:
            access.require_role(
                actor,
                [playbook.leader_role if playbook else "projektchef", "sekretariat"],
                action="log.add",
                channel=channel,
                what=f"write in the log of incident {incident_id}",
                incident_id=incident_id,
            )
        await acknowledgements.confirm_by_action(
            tx, incident_id=incident_id, person=actor, via=channel, action="skrive i loggen"
        )
        entry = await append(
            tx,
            incident_id=incident_id,
            kind=kind,
            actor=actor.id,
            text=text.strip(),
            sensitive=sensitive,
            corrects=corrects,
        )
        await audit.record(
            tx,
            actor=actor.id,
            action="log.add",
            channel=channel,
            incident_id=incident_id,
            detail=f"entry {entry.seq} sensitive={sensitive}",
        )
    return entry
