"""Bringing the schema up at start, when the database may not answer yet.

A database that does not answer is waited for (the migration is retried with the
supervisor's backoff while /healthz reports it down); one that answers but cannot be
migrated — a revision this version does not know, a failing migration — is a ``FatalError``:
waiting will not fix it.
"""

from __future__ import annotations

import asyncio

from beredskab.runtime.backoff import Backoff
from beredskab.runtime.health import Board, error_reason
from beredskab.runtime.supervisor import FatalError
from beredskab.storage import Database, chain, is_transient

DATABASE = "database"
"""The board entry for the database."""


async def upgrade_once(db: Database, board: Board) -> bool:
    """Migrate the schema: True when done, False when the database is unreachable now."""
    try:
        await db.upgrade()
        await chain.key_in_use(db=db)  # warns when another key wrote the log
    except Exception as exc:
        if not is_transient(exc):
            raise FatalError(
                "the database schema cannot be brought up to date: {reason}", reason=exc
            ) from exc
        board.set(DATABASE, "down", error_reason(exc))
        return False
    board.set(DATABASE, "ok")
    return True


async def attempt(db: Database, board: Board, stop: asyncio.Event) -> bool | None:
    """``upgrade_once``, abandoned when ``stop`` is set first (a connection attempt to a
    silent server can take seconds): None then."""
    upgrade = asyncio.ensure_future(upgrade_once(db, board))
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({upgrade, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if not upgrade.done():
        upgrade.cancel()
        return None
    return upgrade.result()


async def wait_for_schema(db: Database, board: Board, stop: asyncio.Event) -> bool:
    """Retry the migration with capped backoff until it works (True) or ``stop`` is set
    (False)."""
    backoff = Backoff()
    while not stop.is_set():
        if await backoff.wait(stop):
            return False
        done = await attempt(db, board, stop)
        if done is not None and done:
            return True
    return False
