"""``beredskab person erase ID``: pseudonymise a person in the stored incident data.

Their id becomes a random pseudonym (``slettet-…``) in confirmations, deliveries, tasks,
steps, incidents, communications, notices, picture revisions, timers, buttons, audit rows and
situation-log entries; their name becomes the pseudonym and their numbers and emails
``slettet`` in free text; message addresses become ``slettet``; their Telegram binding, PIN,
sign-ins, codes, API tokens and preparedness requests are deleted. Nothing maps the
pseudonym back to the person.

The situation log stays verifiable: an entry keeps its hash and its place in the chain, and a
``log_erasures`` row holds a keyed MAC over its new actor and text (the database allows the
change only with that row; migration 0029). ``situation_log.verify`` checks such an entry
against the MAC instead of its original hash (docs/privacy.md).

The contact directory is not edited here: a person still in it is refused (remove them there
first), unless ``force``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from beredskab.errors import InvalidStateError
from beredskab.incident.situation_log import erasure_mac
from beredskab.models import LogEntry
from beredskab.plan import Plan
from beredskab.privacy.export import ACTOR, CHANNEL, TEXT_CHANNELS, needles
from beredskab.security import audit
from beredskab.storage import Database
from beredskab.storage.repositories.privacy import ERASED_ADDRESS

PREFIX = "slettet-"


@dataclass(frozen=True, slots=True)
class EraseResult:
    """What an erase changed."""

    pseudonym: str
    log_entries: int
    rows: int
    forced: bool


def _scrubber(
    person_id: str, pseudonym: str, found: Sequence[str], names: Sequence[str]
) -> Callable[[str], str]:
    """Free text with the person's names made the pseudonym, numbers and emails ``slettet``."""

    def scrub(text: str) -> str:
        for needle in found:
            text = text.replace(needle, pseudonym if needle in names else ERASED_ADDRESS)
        return text.replace(person_id, pseudonym)

    return scrub


async def erase(
    *,
    db: Database,
    plan: Plan,
    person_id: str,
    force: bool = False,
    names: Sequence[str] = (),
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
) -> EraseResult:
    """Pseudonymise ``person_id`` everywhere in the stored data (see the module docstring)."""
    person = plan.directory.person(person_id)
    if person is not None and not force:
        raise InvalidStateError(
            "'{person}' is still in the contact directory: remove them there first "
            "(or add --force to pseudonymise their history anyway)",
            person=person_id,
        )
    if not person_id.strip():
        raise InvalidStateError("give the id of the person to erase")
    pseudonym = PREFIX + secrets.token_hex(5)
    all_names = [*names, *([person.name] if person else [])]
    async with db.transaction() as tx:
        sent_to = [
            a for channel, a in await tx.privacy.addresses(person_id) if channel in TEXT_CHANNELS
        ]
        found = needles(plan, person_id, names=names, phones=[*phones, *sent_to], emails=emails)
        scrub = _scrubber(person_id, pseudonym, found, all_names)
        erased = 0
        for row in await tx.privacy.log_rows(person_id, found):
            entry = LogEntry.model_validate(row)
            actor = pseudonym if entry.actor == person_id else entry.actor
            new = entry.model_copy(update={"actor": actor, "text": scrub(entry.text)})
            if new == entry:
                continue
            await tx.privacy.erase_log_entry(
                incident_id=entry.incident_id,
                seq=entry.seq,
                actor=new.actor,
                text=new.text,
                mac=erasure_mac(tx.log_key, new),
                now=tx.now,
            )
            erased += 1
        rows = await tx.privacy.replace_person_id(person_id, pseudonym)
        rows += await tx.privacy.replace_text([*found, person_id], scrub)
        await audit.record(
            tx,
            actor=ACTOR,
            action="person.erase",
            channel=CHANNEL,
            detail=f"a person pseudonymised as {pseudonym}: {erased} log entries, {rows} "
            "other rows"
            + (" (forced: still in the contact directory)" if force and person else ""),
        )
    return EraseResult(pseudonym, erased, rows, force and person is not None)
