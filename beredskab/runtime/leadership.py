"""Leadership: with several instances on one PostgreSQL database, exactly one (the leader)
runs what must run once — the Telegram long poll and the hourly preparedness round.

The leader holds a PostgreSQL advisory lock on a dedicated connection
(``storage.leader.LeaderLock``) and checks it every ``check_seconds``; followers try to take
it every ``retry_seconds``. A leader that dies (even by SIGKILL) loses its connection, so
PostgreSQL releases the lock and a follower takes over within about ``retry_seconds``. A
leader whose connection fails stops its leader work and competes again like a follower.

On SQLite only one instance may run at all (``InstanceLock``), and it is the leader.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from beredskab.errors import ConfigError
from beredskab.runtime.backoff import Backoff, Trouble, wait_or_stop
from beredskab.runtime.health import Board
from beredskab.storage import Database
from beredskab.storage.leader import LeaderLock, sqlite_file

log = logging.getLogger(__name__)

LeaderWork = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
"""What the leader runs: given an event set when leadership ends (or the service stops)."""


class Leadership:
    """Competes for leadership and runs the leader's work while it leads."""

    def __init__(
        self,
        db: Database,
        *,
        retry_seconds: float = 1.0,
        check_seconds: float = 1.0,
        board: Board | None = None,
    ) -> None:
        self._db = db
        self._board = board
        self.retry_seconds = retry_seconds
        self.check_seconds = check_seconds
        self.is_leader = False
        self.terms = 0
        """How many times this instance became the leader."""

    async def run(self, stop: asyncio.Event, *, work: LeaderWork | None = None) -> None:
        """Until ``stop``: become the leader when possible and run ``work`` while leading."""
        if self._db.dialect != "postgresql":  # one instance (see InstanceLock): always leads
            await self._lead(stop, work, check=None)
            return
        lock = LeaderLock(self._db)
        trouble = Trouble(log, "leader election (database)", self._board, "leader.election")
        backoff = Backoff(first=self.retry_seconds, cap=max(self.retry_seconds, 5.0))
        while not stop.is_set():
            try:
                got = await lock.try_acquire()
            except Exception as error:  # the database is away: keep trying
                trouble.failed(error)
                if await backoff.wait(stop):
                    break
                continue
            trouble.recovered()
            backoff.reset()
            if not got:
                if await wait_or_stop(stop, self.retry_seconds):
                    break
                continue
            try:
                await self._lead(stop, work, check=lock.held)
            finally:
                await lock.release()

    async def _lead(
        self,
        stop: asyncio.Event,
        work: LeaderWork | None,
        *,
        check: Callable[[], Awaitable[bool]] | None,
    ) -> None:
        """Lead until ``stop`` or until ``check`` says the lock is gone; restarts ``work``
        (with backoff) if it ends by itself."""
        self.is_leader = True
        self.terms += 1
        log.info("this instance is the leader (term %d)", self.terms)
        ended = asyncio.Event()
        backoff = Backoff(first=1.0, cap=30.0)
        task = asyncio.create_task(work(ended)) if work is not None else None
        try:
            while not await wait_or_stop(stop, self.check_seconds):
                if check is not None and not await check():
                    log.warning("leadership lost (the lock's database connection failed)")
                    break
                if task is not None and task.done():
                    error = None if task.cancelled() else task.exception()
                    log.error("leader work ended unexpectedly; restarting it", exc_info=error)
                    if await backoff.wait(stop):
                        break
                    task = asyncio.create_task(work(ended)) if work is not None else None
        finally:
            self.is_leader = False
            ended.set()
            if task is not None:
                await asyncio.gather(task, return_exceptions=True)


class InstanceLock:
    """SQLite allows one ``serve`` per database file: an exclusive ``flock`` on
    ``<database file>.lock``, held for the life of the process (the kernel drops it when the
    process ends, however it ends)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @classmethod
    def for_database(cls, db: Database) -> InstanceLock | None:
        """The lock for a SQLite file database; None for PostgreSQL and in-memory SQLite."""
        database = sqlite_file(db)
        return cls(database.with_name(database.name + ".lock")) if database else None

    def acquire(self) -> None:
        """Take the lock or raise ``ConfigError`` naming the running instance."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "?"
            os.close(fd)
            database = self.path.with_suffix("")
            raise ConfigError(
                "another beredskab serve (pid {pid}) is already running on {database}; "
                "SQLite allows one instance (use PostgreSQL to run several)",
                pid=holder,
                database=database,
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        """Let go (also happens when the process ends)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
