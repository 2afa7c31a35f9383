"""The listener: keeps this process hearing other processes' commit signals.

On PostgreSQL it holds a dedicated LISTEN connection; on a SQLite file it binds the file's
wake socket (``storage.signals``). When the channel breaks (PostgreSQL restarts, the network
drops) it reopens it with backoff (0.5 s doubling to ``RECONNECT_CAP_SECONDS``); meanwhile
``Signals.listening`` is False and idle loops poll modestly (``DEAF_POLL_SECONDS``). Each
time listening (re)starts every topic fires once, so whatever was committed while nobody
listened is looked at at once. The channel is checked every ``CHECK_SECONDS`` (one round trip),
so a connection that died silently is noticed within that time.
"""

from __future__ import annotations

import asyncio
import logging

from beredskab.runtime.backoff import Backoff, Trouble
from beredskab.runtime.health import Board
from beredskab.storage import Database
from beredskab.storage.signals import ALL_TOPICS, Listening

log = logging.getLogger(__name__)

RECONNECT_CAP_SECONDS = 10.0
CHECK_SECONDS = 60.0
NAME = "signals.listener"


class Listener:
    """Runs ``Database.listen`` until stopped, reopening it when it breaks."""

    def __init__(self, db: Database, *, board: Board | None = None) -> None:
        self._db = db
        self._trouble = Trouble(log, "commit-signal listener (database)", board, NAME)
        self.opened = 0
        """How many times listening started (tests watch it across a server restart)."""

    @property
    def needed(self) -> bool:
        """False for an in-memory SQLite database: no other process can write to it."""
        return self._db.can_listen

    async def run(self, stop: asyncio.Event) -> None:
        """Listen until ``stop``; never ends on a database failure."""
        backoff = Backoff(first=0.5, cap=RECONNECT_CAP_SECONDS)
        signals = self._db.signals
        while not stop.is_set():
            try:
                listening = await self._db.listen()
            except Exception as error:
                self._trouble.failed(error)
                if await backoff.wait(stop):
                    return
                continue
            try:
                signals.listening = True
                self.opened += 1
                self._trouble.recovered()
                backoff.reset()
                signals.fire(ALL_TOPICS)  # look once for what was committed while deaf
                await self._hold(listening, stop)
            except Exception as error:
                self._trouble.failed(error)
            finally:
                signals.listening = False
                await listening.aclose()
            if not stop.is_set():
                log.info("commit-signal listener lost its channel; reopening")

    async def _hold(self, listening: Listening, stop: asyncio.Event) -> None:
        """Until ``stop`` or the channel is lost; checks it every ``CHECK_SECONDS``."""
        while not stop.is_set() and not listening.lost.is_set():
            lost = asyncio.ensure_future(listening.lost.wait())
            stopped = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait(
                    {lost, stopped}, timeout=CHECK_SECONDS, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                lost.cancel()
                stopped.cancel()
            if not stop.is_set() and not listening.lost.is_set():
                await listening.check()
