"""The spool replayer: moves spooled inbound events into the inbox once the database is back.

Runs as a long-running component of ``serve``. It wakes when something was spooled (or every
``idle_seconds`` as a safety net, e.g. for events spooled before a restart), stores each event
through the inbox's own ``store`` — deduplicated by (source, provider id), so an event that
reached the database after all is not stored twice — and removes it from the spool only after
the database has it. While the database is down it retries with capped backoff and says so
once per outage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from beredskab.inbound.spool import Spool
from beredskab.runtime.backoff import Backoff, Trouble, wait_woken
from beredskab.storage import is_transient

log = logging.getLogger(__name__)

Store = Callable[[str, str, str], Awaitable[bool]]
"""(source, provider id, payload JSON) → True if stored, False if the inbox had it already."""


class SpoolReplayer:
    """Drains the spool into the inbox."""

    def __init__(
        self,
        spool: Spool,
        store: Store,
        *,
        moved: Callable[[], None] = lambda: None,
        drained: Callable[[], None] = lambda: None,
        idle_seconds: float = 30.0,
        backoff: Backoff | None = None,
        trouble: Trouble | None = None,
    ) -> None:
        self.spool = spool
        self._trouble = trouble or Trouble(log, "inbound spool replay (database)")
        self._store = store
        self._moved = moved
        self._drained = drained
        self._idle_seconds = idle_seconds
        self._backoff = backoff or Backoff(first=0.5, cap=5.0)
        self._kick = asyncio.Event()
        self._refused: set[int] = set()
        self.replayed = 0
        """Events moved into the inbox since start (replays of stored events included)."""

    def wake(self) -> None:
        """Something was spooled: try to move it soon."""
        self._kick.set()

    async def drain(self) -> int:
        """Move every spooled event into the inbox, oldest first; returns how many were moved.
        Raises the database's error if it is still unreachable (the rest stays spooled). An
        event the database refuses for another reason (a bug, not an outage) stays spooled,
        is logged once and is tried again on the next pass; the others move on."""
        moved, after = 0, 0
        while batch := await self.spool.apeek(after=after, limit=100):
            for event in batch:
                after = event.id
                try:
                    new = await self._store(event.source, event.provider_id, event.payload)
                except Exception as error:
                    if is_transient(error):
                        raise
                    if event.id not in self._refused:
                        self._refused.add(event.id)
                        log.exception(
                            "spooled inbound event %s (%s %s) refused by the database; kept in "
                            "%s, retried on the next pass",
                            event.id,
                            event.source,
                            event.provider_id,
                            self.spool.path,
                        )
                    continue
                await self.spool.aremove(event.id)
                self._refused.discard(event.id)
                moved += 1
                self.replayed += 1
                if new:
                    self._moved()
        self._drained()
        return moved

    async def run(self, stop: asyncio.Event) -> None:
        """Drain whenever woken, until ``stop``; heal through database outages."""
        trouble = self._trouble
        while not stop.is_set():
            self._kick.clear()
            try:
                moved = await self.drain()
            except Exception as error:  # the database is still away: keep the events, retry
                trouble.failed(error)
                if await self._backoff.wait(stop):
                    return
                continue
            if moved:
                log.info("moved %d spooled inbound event(s) into the inbox", moved)
            trouble.recovered()
            self._backoff.reset()
            await wait_woken(self._kick, stop, self._idle_seconds)
