"""Group commit for the inbox: webhooks that arrive together are stored in one transaction.

Each caller waits until the transaction holding its event has committed, then learns whether
the event was new (deduplicated by provider id, within the group too). While one group is
being written, the next gathers. A group that fails for a reason of its own (not a database
outage) is written again one event at a time, so one bad event fails alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from beredskab.storage import is_transient

Event = tuple[str, str, str]
"""(source, provider id, payload as JSON text)."""
Writer = Callable[[Sequence[Event]], Awaitable[set[tuple[str, str]]]]
"""Stores events in one transaction; returns the (source, provider id) keys that were new."""

MAX_GROUP = 200
"""Events per transaction at most (well within SQLite's bound-parameter limit)."""


class GroupCommit:
    """Gathers concurrent ``store`` calls into one transaction each round."""

    def __init__(self, write: Writer, *, max_group: int = MAX_GROUP) -> None:
        self._write = write
        self._max_group = max_group
        self._waiting: list[tuple[Event, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def store(self, source: str, provider_id: str, payload: str) -> bool:
        """Store one event with whatever else is waiting; False if it was stored before."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append(((source, provider_id, payload), future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            group = self._waiting[: self._max_group]
            del self._waiting[: self._max_group]
            try:
                new = await self._write([event for event, _ in group])
            except Exception as error:
                if is_transient(error) or len(group) == 1:
                    _fail(group, error)
                    continue
                await self._one_by_one(group)
                continue
            _settle(group, new)

    async def _one_by_one(self, group: list[tuple[Event, asyncio.Future[bool]]]) -> None:
        for item in group:
            try:
                new = await self._write([item[0]])
            except Exception as error:
                _fail([item], error)
            else:
                _settle([item], new)


def _settle(group: list[tuple[Event, asyncio.Future[bool]]], new: set[tuple[str, str]]) -> None:
    """Tell each caller whether its event was new; a key twice in one group is new once."""
    for (source, provider_id, _), future in group:
        key = (source, provider_id)
        fresh = key in new
        new.discard(key)
        if not future.done():  # a caller that gave up waiting is not told
            future.set_result(fresh)


def _fail(group: list[tuple[Event, asyncio.Future[bool]]], error: Exception) -> None:
    for _, future in group:
        if not future.done():
            future.set_exception(error)
