"""Applying many one-transaction events (an SMS "OK") in few transactions.

Each event's change, its reply and its processed mark are written in the same transaction,
so the exactly-once of ``Inbox._apply`` holds for every event; several events simply share
that transaction. A transaction takes up to ``CHUNK`` events, oldest first, and hands each
run of events with one handler to that handler at once: the SMS handler confirms a run's
"OK"s together (``inbound.sms_answers.handle_many_in``: a few statements for the lot,
their lookups included), so a transaction of ``CHUNK`` events holds SQLite's one write lock
for a few milliseconds. Per event that saves the begin, the clock read, the commit, four
statements of its own and, on PostgreSQL, the wait for the incident's log lock that every
acknowledgement of one incident queues for.

On PostgreSQL a transaction's events are claimed in one statement (``FOR UPDATE SKIP
LOCKED``); one held by another instance puts its sender on hold: the sender's events wait for
the next round, so none overtakes it. The processed marks are written in one statement at
the end of the transaction. A transaction that fails for a reason of its own (a bug in one handler)
is rolled back and its events are applied again one per transaction (``one``), where the
failing event records its error alone; a database outage raises and leaves them pending.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from beredskab.storage import Tx, is_transient
from beredskab.storage.repositories.security import Inbound

if TYPE_CHECKING:
    from beredskab.services import Services

CHUNK = 50
"""Events per transaction at most."""

TxHandler = Callable[["Services", Tx, Sequence[dict[str, Any]]], Awaitable[list[str]]]
"""Applies events (their payloads), in order, in the caller's transaction (the one that marks
them processed); their outcomes in the same order."""


@dataclass(frozen=True)
class Item:
    """One event to apply in a shared transaction."""

    event: Inbound
    payload: dict[str, Any]
    sender: str
    handler: TxHandler


async def apply_together(
    app: Services, items: Sequence[Item], *, one: Callable[[Item], Awaitable[bool]]
) -> tuple[int, set[str]]:
    """Apply ``items`` (oldest first) several per transaction; returns how many were applied
    (or found applied) and the senders on hold (another instance holds one of their events).
    ``one`` applies an event in a transaction of its own (False: held elsewhere)."""
    held: set[str] = set()
    applied = 0
    position = 0
    while position < len(items):
        start = position
        taken = 0
        try:
            async with app.db.transaction() as tx:
                claims = await _claim_ahead(tx, items[start : start + CHUNK], held)
                mine: list[Item] = []
                while position < len(items) and position - start < CHUNK:
                    item = items[position]
                    position += 1
                    if item.sender in held:
                        continue
                    if claims is None or claims[item.event.id]:
                        mine.append(item)
                    taken += 1
                outcomes = await _handled(app, tx, mine)
                marks = [(item.event.id, o[:500]) for item, o in zip(mine, outcomes, strict=True)]
                done = [item.event for item in mine]
                await tx.inbox.mark_processed_many(marks, now=tx.now)
            for event in done:  # committed: how long each waited (``/metrics``)
                app.metrics.applied(event.source, (tx.now - event.received_at).total_seconds())
        except Exception as error:
            if is_transient(error):
                raise  # the events stay pending; the caller backs off
            taken = 0
            for item in items[start:position]:  # one by one: the failing one fails alone
                if item.sender in held:
                    continue
                if await one(item):
                    taken += 1
                else:
                    held.add(item.sender)
        applied += taken
    return applied, held


async def _handled(app: Services, tx: Tx, items: Sequence[Item]) -> list[str]:
    """The outcomes of ``items``, each run of one handler handed to it at once."""
    outcomes: list[str] = []
    start = 0
    while start < len(items):
        handler = items[start].handler
        end = start
        while end < len(items) and items[end].handler is handler:
            end += 1
        outcomes += await handler(app, tx, [item.payload for item in items[start:end]])
        start = end
    return outcomes


async def _claim_ahead(tx: Tx, items: Sequence[Item], held: set[str]) -> dict[int, bool] | None:
    """Claim the events of the coming transaction in one statement (PostgreSQL): event id →
    ours to apply (False: applied already). A sender one of whose events another instance
    holds goes on hold: none of its events is applied in this round. None on SQLite, which
    has nobody to claim against."""
    if not _claims(tx):
        return None
    wanted = [item for item in items if item.sender not in held]
    claimed = await tx.inbox.claim_many([item.event.id for item in wanted])
    for item in wanted:
        if item.event.id not in claimed:
            held.add(item.sender)  # this event and the sender's later ones wait
    return claimed


def _claims(tx: Tx) -> bool:
    """Whether events are claimed: PostgreSQL (several instances). SQLite has one ``serve``,
    whose inbox applies one batch at a time, so there is nobody to claim against."""
    return tx.dialect == "postgresql"
