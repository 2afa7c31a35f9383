"""Bringing the schema up at start, when the database may not answer yet.

A database that does not answer is waited for (the migration is retried with the
supervisor's backoff while /healthz reports it down); one that answers but cannot be
migrated — a revision this version does not know, a failing migration — is a ``FatalError``:
waiting will not fix it.
"""

from __future__ import annotations

import asyncio

from beredskab.runtime.health import Board
from beredskab.runtime.supervisor import Backoff, FatalError
from beredskab.storage import Database, is_transient

DATABASE = "database"
"""The board entry for the database."""


async def upgrade_once(db: Database, board: Board) -> bool:
    """Migrate the schema: True when done, False when the database is unreachable now."""
    try:
        await db.upgrade()
    except Exception as exc:
        if not is_transient(exc):
            raise FatalError(f"the database schema cannot be brought up to date: {exc}") from exc
        board.set(DATABASE, "down", f"{type(exc).__name__}: {exc}"[:300])
        return False
    board.set(DATABASE, "ok")
    return True


async def wait_for_schema(db: Database, board: Board, stop: asyncio.Event) -> bool:
    """Retry the migration with capped backoff until it works (True) or ``stop`` is set
    (False, also when a connection attempt hangs at that moment)."""
    backoff = Backoff()
    wait = backoff.first
    stopped = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            pause = asyncio.ensure_future(asyncio.sleep(wait))
            await asyncio.wait({pause, stopped}, return_when=asyncio.FIRST_COMPLETED)
            pause.cancel()
            if stop.is_set():
                return False
            attempt = asyncio.ensure_future(upgrade_once(db, board))
            await asyncio.wait({attempt, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if not attempt.done():
                attempt.cancel()
                return False
            if attempt.result():
                return True
            wait = backoff.next(wait)
        return False
    finally:
        stopped.cancel()
