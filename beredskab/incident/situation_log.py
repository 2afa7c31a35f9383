"""The situation log: append-only, hash-chained, written in the same transaction as the change.

Every state change calls ``append`` inside its own transaction, so a change and its entry
commit together or not at all. Corrections are new entries pointing at the corrected one.

Each entry's hash is HMAC-SHA256, with the log key the ``Database`` carries, over its content
and the previous hash. Entries written before the key (migration 0012) keep the old unkeyed
rule and are vouched for by a keyed seal. ``verify`` checks a chain, optionally against a
``Head`` (count and last hash) kept from before, which catches a deleted tail.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from beredskab.boundary import bounds
from beredskab.catalog.texts import Texts
from beredskab.errors import InvalidStateError, NotFoundError, Phrase
from beredskab.incident import acknowledgements
from beredskab.incident.lookup import require
from beredskab.models import EntryKind, LogEntry
from beredskab.plan import Plan
from beredskab.security import access, audit
from beredskab.storage import Database, Tx, chain
from beredskab.storage.chain import GENESIS, KEYED, NewEntry, entry_hash
from beredskab.storage.db import UNCONFIGURED_LOG_KEY
from beredskab.storage.repositories.log import LogSeal

_t = Texts("incident")
SHORT_HASH = 16
"""Hex digits of the head's hash shown to people (``42:0123456789abcdef``)."""
MIN_HEAD_HASH = 8
"""Fewest hex digits a head given back for checking may have."""


class UncitedCorrectionError(InvalidStateError):
    """A correction that does not say which log entry it corrects."""


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
    """Append one entry to an incident's log in the caller's transaction.

    A ``correction`` names the entry it corrects (``corrects``), which must exist.

    On PostgreSQL concurrent appenders queue for the chain's next link on the incident's
    row lock (``LogRepo.head``); a transaction that already appended to the chain knows its
    head and neither locks nor reads it again."""
    entry = NewEntry(incident_id, kind, actor, text, sensitive, corrects)
    return (await append_many(tx, [entry]))[0]


async def append_many(tx: Tx, entries: Sequence[NewEntry]) -> list[LogEntry]:
    """Append entries in order in the caller's transaction, in one insert (``append``'s
    rules for each)."""
    for entry in entries:
        if entry.kind is EntryKind.CORRECTION and entry.corrects is None:
            raise UncitedCorrectionError(
                "a correction names the entry it corrects: give that entry's number (the log "
                "shows each entry's number)"
            )
    return await chain.append_many(tx, entries)


async def stating(tx: Tx, incident_id: int, markers: Sequence[str]) -> int:
    """The number of the entry that last stated a fact: the newest correction whose text holds
    one of ``markers`` (the fact's own wording), else the activation entry, which states the
    facts the incident started with. A system correction names this entry as the one it
    corrects."""
    entries = await tx.log.list(incident_id)
    for entry in reversed(entries):
        if entry.kind is EntryKind.CORRECTION and any(m in entry.text for m in markers):
            return entry.seq
    return next((e.seq for e in entries if e.kind is EntryKind.ACTIVATED), 1)


@dataclass(frozen=True)
class Head:
    """The chain head: how many entries the log had and the hash of the last one."""

    count: int
    hash: str

    @classmethod
    def of(cls, entry: LogEntry) -> Head:
        """The head ending at ``entry``."""
        return cls(entry.seq, entry.hash)

    @property
    def short(self) -> str:
        """``COUNT:HASH`` with the hash cut to ``SHORT_HASH`` digits, for people to keep."""
        return f"{self.count}:{self.hash[:SHORT_HASH]}"

    @classmethod
    def parse(cls, text: str) -> Head:
        """Read ``COUNT:HASH`` (the hash in full or at least ``MIN_HEAD_HASH`` digits)."""
        count, colon, digest = text.strip().partition(":")
        digest = digest.strip().lower()
        if (
            not colon
            or not count.strip().isdigit()
            or not 0 < int(count) <= 10**9
            or not MIN_HEAD_HASH <= len(digest) <= 64
            or any(c not in "0123456789abcdef" for c in digest)
        ):
            raise InvalidStateError(
                "the chain head must look like COUNT:HASH, e.g. 42:0123456789abcdef "
                "(the hash with at least {digits} hex digits)",
                digits=MIN_HEAD_HASH,
            )
        return cls(int(count), digest)


@dataclass(frozen=True)
class ChainCheck:
    """Result of verifying a log's hash chain (and, if given, a head kept from before)."""

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    head: Head | None = None
    """The head of the intact part of the chain (None when the first entry is bad)."""
    expected: Head | None = None
    """The head the check was given, if any."""
    missing_after: int | None = None
    """Set when entries are missing at the end: the last entry that is still there."""
    keyed: bool = True
    """False when some entries were written under the old, unkeyed rule."""

    @property
    def message(self) -> str:
        """The verdict in Danish, one or two sentences."""
        return self.said("da")

    def said(self, language: str) -> str:
        """The verdict in ``language``, one or two sentences."""
        if self.first_bad_seq is not None:
            return _t("chain.broken", language, seq=self.first_bad_seq)
        if self.missing_after is not None and self.expected is not None:
            return _t("chain.missing", language, last=self.missing_after, count=self.expected.count)
        if not self.ok and self.expected is not None:
            return _t(
                "chain.rewritten", language, count=self.expected.count, head=self.expected.short
            )
        text = _t("chain.intact", language, entries=self.entries)
        if self.expected is not None:
            text += _t("chain.matches_head", language, head=self.expected.short)
        if not self.keyed:
            text += _t("chain.sealed", language)
        return text


def seal_mac(key: bytes, *, incident_id: int, entries: int, last_hash: str) -> str:
    """The MAC of a seal over an incident's unkeyed entries (migration 0012 makes the same)."""
    message = f"legacy-seal:{incident_id}:{entries}:{last_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _unsealed(entries: Sequence[LogEntry], key: bytes, seal: LogSeal | None) -> int | None:
    """The first entry whose unkeyed rule no valid seal vouches for, or None if all is well.

    Unkeyed entries are accepted only as the leading run that migration 0012 sealed: exactly
    that many, ending in the sealed hash, under a MAC made with the key."""
    unkeyed = next((n for n, e in enumerate(entries) if e.scheme == KEYED), len(entries))
    if unkeyed == 0:
        return None
    if seal is None or not hmac.compare_digest(
        seal_mac(key, incident_id=seal.incident_id, entries=seal.entries, last_hash=seal.last_hash),
        seal.mac,
    ):
        return 1
    if seal.entries != unkeyed:
        return min(seal.entries, unkeyed) + 1
    return None if entries[unkeyed - 1].hash == seal.last_hash else 1


def erasure_mac(key: bytes, entry: LogEntry) -> str:
    """The MAC ``person erase`` records for an entry it pseudonymised: over the entry's place,
    its unchanged hash and its new actor and text (docs/privacy.md)."""
    content = json.dumps([entry.actor, entry.text], ensure_ascii=False, separators=(",", ":"))
    message = f"erasure:{entry.incident_id}:{entry.seq}:{entry.hash}:{content}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _intact(entry: LogEntry, key: bytes, erasures: Mapping[int, str]) -> bool:
    """The entry's content matches its hash, or (pseudonymised) its erasure MAC."""
    erased = erasures.get(entry.seq)
    if erased is not None:
        return hmac.compare_digest(erasure_mac(key, entry), erased)
    return hmac.compare_digest(entry_hash(entry, key=key), entry.hash)


def verify(
    entries: Sequence[LogEntry],
    *,
    key: bytes | None = None,
    head: Head | None = None,
    seal: LogSeal | None = None,
    erasures: Mapping[int, str] | None = None,
) -> ChainCheck:
    """Check that no entry was altered, removed, reordered or recomputed without the key, and
    (with ``head``) that the log still holds everything the head vouched for.

    Entries follow their own rule (``scheme``); unkeyed ones only as the leading run that
    ``seal`` vouches for, so an unkeyed entry anywhere else (a downgrade, or a chain recomputed
    under the old rule) breaks the chain. An empty log is broken at entry 1 (activation always
    writes one). An entry in ``erasures`` (pseudonymised by ``person erase``) is checked
    against its erasure MAC instead of its hash; its hash still links the chain.
    """
    key = key or UNCONFIGURED_LOG_KEY
    erasures = erasures or {}
    prev, last = GENESIS, None
    count, all_keyed = len(entries), _all_keyed(entries)
    bad = _unsealed(entries, key, seal)
    for expected_seq, entry in enumerate(entries, start=1):
        if (
            expected_seq == bad
            or entry.seq != expected_seq
            or entry.prev_hash != prev
            or not _intact(entry, key, erasures)
        ):
            intact = Head.of(last) if last else None
            return ChainCheck(False, count, expected_seq, intact, head, keyed=all_keyed)
        prev, last = entry.hash, entry
    if last is None:
        return ChainCheck(False, 0, 1, None, head)
    found = Head.of(last)
    if head is not None and head.count > count:
        return ChainCheck(False, count, None, found, head, missing_after=count, keyed=all_keyed)
    if head is not None and not entries[head.count - 1].hash.startswith(head.hash):
        return ChainCheck(False, count, None, found, head, keyed=all_keyed)
    return ChainCheck(True, count, None, found, head, keyed=all_keyed)


def _all_keyed(entries: Sequence[LogEntry]) -> bool:
    return all(e.scheme == KEYED for e in entries)


async def check(*, db: Database, incident_id: int, head: Head | None = None) -> ChainCheck:
    """Verify an incident's whole log with the database's key (and against ``head``)."""
    async with db.read() as tx:
        purged = await tx.privacy.purged(incident_id)
        if purged is not None and await tx.incidents.get(incident_id) is None:
            raise NotFoundError(
                "incident {nr} was deleted with its log on {date} (closed {closed}, "
                "[privacy] retention_days); the other incidents' logs are chained apart",
                nr=incident_id,
                date=purged.purged_at.date().isoformat(),
                closed=purged.closed_at.date().isoformat() if purged.closed_at else "-",
            )
        await require(tx, incident_id)
        entries, seal = await tx.log.list(incident_id), await tx.log.seal(incident_id)
        erased = await tx.privacy.erasures(incident_id)
        return verify(entries, key=tx.log_key, head=head, seal=seal, erasures=erased)


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
        raise NotFoundError(
            "incident {nr} has no entry {entry} to correct", nr=incident_id, entry=corrects
        )
    actor = access.person(plan, actor_id)
    if kind not in NOTE_KINDS:
        raise InvalidStateError(
            "people add {kinds} entries", kinds=", ".join(k.value for k in NOTE_KINDS)
        )
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
                what=Phrase("write in the log of incident {nr}", nr=incident_id),
                incident_id=incident_id,
            )
        await acknowledgements.confirm_by_action(
            tx, incident_id=incident_id, person=actor, via=channel, action=_t("action.write_log")
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
