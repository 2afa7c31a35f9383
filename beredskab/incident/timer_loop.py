"""``serve``'s timer loop: fire due escalation and reminder timers in chunks (each chunk's
messages wake the outbox when it commits), then sleep until the next timer is due — woken when
a transaction schedules one, at most ``[outbox] max_idle_seconds``. A database outage degrades
the loop on the health board and it retries with backoff; it never stops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from beredskab.incident import escalation
from beredskab.plan import Plan
from beredskab.runtime.backoff import Backoff
from beredskab.runtime.health import Board, error_reason
from beredskab.storage import Database, is_transient
from beredskab.storage.signals import TIMERS, outbox_first, wait

log = logging.getLogger(__name__)

CHUNK = 50
"""Timers fired per transaction; a shutdown waits for at most one such chunk."""
CHUNKS_PER_TICK = 200
"""Chunks one tick may work through before it yields to the next (10,000 timers)."""
RETRY_SECONDS = 1.0
"""A timer still due right after a tick (its handler failed) is tried again after this long."""


@dataclass
class TimerLoop:
    """The loop, with what it needs of the running service."""

    db: Database
    plan: Callable[[], Plan]
    board: Board
    link_base: str
    max_idle_seconds: float
    stopping: Callable[[], bool]
    fired_late: Callable[[str, float], None] | None = None

    async def tick(self) -> int:
        """Fire what is due, in chunks; stops between chunks when the service shuts down."""
        return await escalation.tick(
            db=self.db,
            plan=self.plan(),
            limit=CHUNK,
            chunks=CHUNKS_PER_TICK,
            stopping=self.stopping,
            link_base=self.link_base,
            fired_late=self.fired_late,
        )

    async def _next_due(self) -> tuple[datetime | None, datetime]:
        """When the next unfired timer is due, and the database's now."""
        async with self.db.read() as tx:
            return await tx.timers.next_due(), tx.now

    async def run(self, stop: asyncio.Event) -> None:
        """Fire what is due, then sleep until the next timer is due or a commit schedules
        one; until ``stop`` is set. A wake-up first looks (a read): a commit that scheduled a
        timer for later, such as each activation's, costs no write transaction, so it does
        not queue for SQLite's write lock ahead of the outbox's first claim."""
        signals = self.db.signals
        sub = signals.subscribe(TIMERS)
        backoff = Backoff(first=0.5, cap=10.0)
        try:
            while not stop.is_set():
                sub.clear()
                try:
                    due, now = await self._next_due()
                    if due is not None and due <= now:
                        fired = await self.tick()
                        if fired >= CHUNK * CHUNKS_PER_TICK:
                            continue  # a burst: more may be due at once
                        due, now = await self._next_due()
                except Exception as error:
                    if self.stopping():
                        return
                    self.board.set("timers", "degraded", error_reason(error))
                    if not is_transient(error):
                        log.exception("timer loop failed; retrying")
                    if await backoff.wait(stop):
                        return
                    continue
                backoff.reset()
                if (entry := self.board.get("timers")) is not None and entry.state != "ok":
                    self.board.set("timers", "ok")
                nap = signals.max_nap(self.max_idle_seconds)
                if due is not None:
                    left = (due - now).total_seconds()
                    nap = min(nap, left if left > 0 else RETRY_SECONDS)
                await wait(sub, stop, nap)
                if sub.fired:  # by a commit that also queued messages, as a rule
                    await outbox_first(self.db.dialect)
        finally:
            sub.close()
