"""Fan-outs: a large send streamed in bounded transactions behind a durable cursor.

An activation asks its first ``FIRST_CHUNK`` participants in its own transaction (so it
commits fast at any size and the outbox starts sending at once) and hands the rest to
``start``: one ``fanouts`` row with the recipients in order and how far it got. Each
follow-up transaction (``continue_due``) queues the next ``CHUNK`` recipients *and* moves
the cursor, so a crash between chunks resumes from the cursor and queues nobody twice (the
chunk's confirmation rows would refuse a second ask anyway). Every chunk takes the
incident's lock; an activation's chunk checks that the incident is still open: a
stand-down, or a real activation halting a drill, stops it, and no alert is queued after
it. A stand-down streams its own messages the same way (``standdown.close``).

Who continues: in ``serve`` the ``Runner`` component, woken by the commit that started a
fan-out (in this process or another: ``storage.signals``), at start (a fan-out a crash left
behind) and every ``RECHECK_SECONDS`` as a safety net; a command (``beredskab activate``)
runs ``complete`` before it exits, delivering each chunk while the next is queued. Two
instances never queue the same chunk: the incident's and the fan-out's row locks
(PostgreSQL), the one writer (SQLite).

A kind of fan-out is a ``Kind`` in ``KINDS``: what a chunk does, what the log says at the
end, and whether the incident's close stops it. Three kinds: an activation's participants
(``incident.participants``) and a resident message's subscribers
(``communications.resident_send``), both stopped by the close, and a stand-down's messages
(``incident.stand_down_messages``), which run after it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace

from beredskab.catalog.texts import Texts
from beredskab.incident import participants, situation_log, stand_down_messages
from beredskab.models import EntryKind, Incident, IncidentStatus
from beredskab.plan import Plan
from beredskab.storage import Database, Tx, signals
from beredskab.storage.repositories.fanouts import Fanout
from beredskab.storage.signals import FANOUTS
from playbooks.schema import TemplateKind

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

log = logging.getLogger(__name__)

FIRST_CHUNK = 25
"""Recipients the starting transaction handles itself (an activation: participants besides
the activator). Small, so that transaction commits in milliseconds whatever the size."""
CHUNK = 500
"""Recipients per follow-up transaction: a few hundred milliseconds of writes at most, so the
outbox's own transactions get in between."""
RAMP_FROM = 25
"""The first follow-up chunk of a wake-up; each next one is twice as large, up to ``CHUNK``.
The commit that opened the fan-out also woke the outbox, whose first claims run beside the
first chunks: a chunk's rows are built in Python between its statements, so a chunk of 500
held the event loop for tens of milliseconds, and on PostgreSQL the first SMS's claim waited
for it between its round trips (21 ms instead of 4 at 5,000 people)."""
RECHECK_SECONDS = 30.0
"""How often ``serve`` looks for an unfinished fan-out without being signalled (a safety net)."""
SQLITE_PAUSE_SECONDS = 0.1
"""On SQLite (one writer at a time) a fan-out pauses after each chunk as long as the chunk
took, at most this long, so the transactions of other processes, which wait for the lock
by retrying, get the write lock in between (this process's own writers queue in order)."""


class Stop(Exception):
    """A chunk cannot go on; the fan-out ends, and the log says ``why`` (Danish clause)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True, slots=True)
class Chunk:
    """What one chunk did: people newly reached and the messages queued for them."""

    reached: int
    messages: int


ChunkFn = Callable[[Tx, Plan, Incident, Fanout, Sequence[str]], Awaitable[Chunk]]


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of fan-out: a chunk's work, the log texts when it ends, and whether it runs
    only while its incident is open (an activation) or after the close (a stand-down)."""

    chunk: ChunkFn
    finished: Callable[[Fanout], str]
    stopped: Callable[[Fanout, str], str]
    while_open: bool = True


async def _participants_chunk(
    tx: Tx, plan: Plan, incident: Incident, fanout: Fanout, ids: Sequence[str]
) -> Chunk:
    """Ask the next participants of an activation to confirm."""
    playbook = plan.playbook(fanout.playbook_id)
    if playbook is None:
        raise Stop(_t("fanout.why.playbook_gone", playbook=fanout.playbook_id))
    people = [p for p in map(plan.directory.person, ids) if p is not None]
    new, messages = await participants.ask(
        tx,
        plan=plan,
        playbook=playbook,
        incident=incident,
        people=people,
        kind=TemplateKind(fanout.template),
    )
    return Chunk(len(new), messages)


async def _stand_down_chunk(
    tx: Tx, plan: Plan, incident: Incident, fanout: Fanout, ids: Sequence[str]
) -> Chunk:
    """Send the stand-down message to the next people who were told of the incident."""
    playbook = plan.playbook(fanout.playbook_id)
    if playbook is None:
        raise Stop(_t("fanout.why.playbook_gone", playbook=fanout.playbook_id))
    if incident.closed_at is None:  # a stand-down fan-out starts in the closing transaction
        raise Stop(_t("fanout.why.not_stood_down"))
    people = [p for p in map(plan.directory.person, ids) if p is not None]
    messages = await stand_down_messages.tell(
        tx, plan=plan, playbook=playbook, incident=incident, people=people, at=incident.closed_at
    )
    return Chunk(len(people), messages)


Kinds = Mapping[str, Kind]
"""The fan-out kinds a runner continues, by name."""

KINDS: Kinds = {
    participants.KIND: Kind(
        _participants_chunk, participants.finished_text, participants.stopped_text
    ),
    stand_down_messages.KIND: Kind(
        _stand_down_chunk,
        stand_down_messages.finished_text,
        stand_down_messages.stopped_text,
        while_open=False,
    ),
}


"""The incident's own kinds. A kind defined higher up (the resident send,
``communications.resident_send.FANOUT``) is added by the composition root, which hands the
whole table to ``serve``'s runner and the commands (``app.FANOUT_KINDS``). A process runs only
the kinds it is given: a fan-out of another kind stays open for one that knows it."""


def _later(kinds: Kinds) -> tuple[str, ...]:
    """Kinds that wait while another is open: a stand-down's messages go after the participants
    of an activation (perhaps a new incident's) that is still being asked."""
    return tuple(name for name, kind in kinds.items() if not kind.while_open)


async def start(
    tx: Tx,
    *,
    incident: Incident,
    kind: str,
    playbook_id: str,
    template: str,
    recipients: Sequence[str],
    done: int,
    reached: int,
    messages: int,
) -> int | None:
    """Hand the recipients after the first ``done`` (handled in ``tx``, reaching ``reached``
    people with ``messages`` messages) to a fan-out; its id, or None if none are left."""
    if done >= len(recipients):
        return None
    return await tx.fanouts.start(
        incident_id=incident.id,
        kind=kind,
        playbook_id=playbook_id,
        template=template,
        recipients=recipients,
        done=done,
        reached=reached,
        messages=messages,
        now=tx.now,
    )


async def continue_due(
    db: Database,
    plan: Plan,
    *,
    chunk: int = CHUNK,
    stopping: Callable[[], bool] | None = None,
    after_chunk: Callable[[int], None] | None = None,
    kinds: Kinds = KINDS,
) -> int:
    """Work through every unfinished fan-out of ``kinds``, oldest first (the kinds that wait
    for others last), one transaction per chunk of at most ``chunk`` recipients (the first
    ones smaller: ``RAMP_FROM``); returns how many people were reached.

    Checks ``stopping()`` between chunks (a shutdown waits for at most the chunk in
    progress; cancelling it rolls that chunk back). ``after_chunk(reached)`` runs after
    each commit (wake the outbox)."""
    if chunk < 1:
        raise ValueError("chunk must be at least 1")
    lists: dict[int, tuple[str, ...]] = {}  # recipient lists never change: read each once
    reached = 0
    loop = asyncio.get_running_loop()
    await signals.outbox_first(db.dialect)  # the claim of the first messages comes first
    size = min(chunk, RAMP_FROM)
    while stopping is None or not stopping():
        began = loop.time()
        async with db.transaction() as tx:
            outcome = await _step(tx, plan, size, lists, kinds)
        if outcome is None:
            break
        size = min(chunk, size * 2)
        reached += outcome
        if after_chunk is not None:
            after_chunk(outcome)
        pause = min(loop.time() - began, SQLITE_PAUSE_SECONDS) if db.dialect == "sqlite" else 0
        await asyncio.sleep(pause)  # the outbox's transactions get in between chunks
    return reached


async def _step(
    tx: Tx, plan: Plan, chunk: int, lists: dict[int, tuple[str, ...]], kinds: Kinds
) -> int | None:
    """One chunk of the oldest unfinished fan-out, or its end; people reached (None: no
    fan-out is open)."""
    found = await tx.fanouts.next_open(kinds=tuple(kinds), later=_later(kinds))
    if found is None:
        return None
    fanout_id, incident_id = found
    await tx.incidents.lock(incident_id)  # one lock order with timers and the stand-down
    fanout = await tx.fanouts.get(fanout_id, lock=True)  # read again, under the locks
    incident = await tx.incidents.get(incident_id)
    if fanout is None or incident is None or fanout.finished_at is not None:
        return 0  # another instance finished it meanwhile
    kind = kinds.get(fanout.kind)
    if kind is None:
        await tx.fanouts.finish(fanout.id, now=tx.now, outcome=f"unknown kind {fanout.kind}")
        log.error("fan-out %s has an unknown kind %r; ended", fanout.id, fanout.kind)
        return 0
    if kind.while_open and incident.status is not IncidentStatus.ACTIVE:
        why = _t("fanout.why.drill_closed" if incident.drill else "fanout.why.stood_down")
        await _end(tx, fanout, outcome="stopped: incident closed", text=kind.stopped(fanout, why))
        return 0
    if fanout.id not in lists:
        lists[fanout.id] = await tx.fanouts.recipients(fanout.id)
    ids = lists[fanout.id][fanout.done : fanout.done + chunk]
    try:
        async with tx.savepoint():
            done = await kind.chunk(tx, plan, incident, fanout, ids)
    except Stop as stop:
        await _end(tx, fanout, outcome=f"stopped: {stop.why}", text=kind.stopped(fanout, stop.why))
        return 0
    position = fanout.done + len(ids)
    await tx.fanouts.advance(
        fanout.id, done=position, reached=done.reached, messages=done.messages, now=tx.now
    )
    if position >= fanout.total:
        after = replace(
            fanout,
            done=position,
            reached=fanout.reached + done.reached,
            messages=fanout.messages + done.messages,
            chunks=fanout.chunks + 1,
        )
        await _end(tx, after, outcome="done", text=kind.finished(after))
    return done.reached


async def _end(tx: Tx, fanout: Fanout, *, outcome: str, text: str) -> None:
    """Finish a fan-out and say so in its incident's log."""
    await tx.fanouts.finish(fanout.id, now=tx.now, outcome=outcome)
    await situation_log.append(
        tx, incident_id=fanout.incident_id, kind=EntryKind.NOTIFIED, actor="system", text=text
    )


async def complete(
    db: Database,
    plan: Plan,
    *,
    deliver: Callable[[], Awaitable[int]] | None = None,
    chunk: int = CHUNK,
    after_chunk: Callable[[int], None] | None = None,
    kinds: Kinds = KINDS,
) -> int:
    """Continue every fan-out of ``kinds`` to its end (a command before it exits); returns
    the people reached. With ``deliver`` (the outbox's drain), what each chunk queued is delivered
    while the next is being queued, and once more at the end. If delivering fails or is
    cancelled, the fan-out stops where it is; ``serve`` continues it from the cursor."""
    if deliver is None:
        return await continue_due(db, plan, chunk=chunk, after_chunk=after_chunk, kinds=kinds)
    queued = asyncio.Event()

    def chunked(reached: int) -> None:
        queued.set()
        if after_chunk is not None:
            after_chunk(reached)

    task = asyncio.ensure_future(
        continue_due(db, plan, chunk=chunk, after_chunk=chunked, kinds=kinds)
    )
    try:
        while not task.done():
            await deliver()
            waiter = asyncio.ensure_future(queued.wait())
            try:
                await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
            queued.clear()
        await deliver()  # what the last chunks queued, after the fan-out committed them
        return task.result()
    finally:
        if not task.done():
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


class Runner:
    """``serve``'s component that continues fan-outs: at start (one a crash left behind),
    when a transaction that started one commits (the ``fanouts`` commit signal, from this
    process or — by NOTIFY or the SQLite wake socket — another) and every
    ``RECHECK_SECONDS`` as a safety net."""

    def __init__(
        self,
        *,
        db: Database,
        plan: Callable[[], Plan],
        after_chunk: Callable[[int], None] | None = None,
        chunk: int = CHUNK,
        recheck: float = RECHECK_SECONDS,
        kinds: Kinds = KINDS,
    ) -> None:
        self.kinds = kinds
        self._db = db
        self._plan = plan
        self._after_chunk = after_chunk
        self._chunk = chunk
        self._recheck = recheck

    async def run(self, stop: asyncio.Event) -> None:
        """Continue fan-outs until ``stop`` is set (between chunks)."""
        sub = self._db.signals.subscribe(FANOUTS)
        signalled = False
        try:
            while not stop.is_set():
                sub.clear()
                if signalled or await self._open():  # a signal means one was started
                    await continue_due(
                        self._db,
                        self._plan(),
                        chunk=self._chunk,
                        stopping=stop.is_set,
                        after_chunk=self._after_chunk,
                        kinds=self.kinds,
                    )
                await signals.wait(sub, stop, self._db.signals.max_nap(self._recheck))
                signalled = sub.fired
        finally:
            sub.close()

    async def _open(self) -> bool:
        """True if a fan-out is unfinished (a read, without the write lock)."""
        async with self._db.read() as tx:
            return await tx.fanouts.open_count() > 0
