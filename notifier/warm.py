"""Opening a provider connection ahead of a burst (``Warmable.warm``).

A connection to the provider is opened (TCP, and TLS for ``https``) when the service knows
messages are coming (an activation is being written), so the first send finds it ready
instead of opening one itself. After a quiet spell every HTTP connection is closed (aiohttp
keeps an idle one 15 s), and against a real provider opening one is a TCP
and a TLS handshake over the internet: more than the time the database needs to queue the
messages, so started early it is ready, or nearly, when the first message is.

A warm-up never sends a request (nothing reaches the provider's API), never raises (the
send that follows opens its own connection and reports what is wrong), and is skipped while
the session has been used recently (its connection is still open). A send waits for a
warm-up in flight (``settled``) instead of opening a second connection beside it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable

import aiohttp
from yarl import URL

log = logging.getLogger(__name__)

IDLE_SECONDS = 10.0
"""A session unused this long is taken to have no open connection left: a margin under the
15 s aiohttp keeps an idle one (``TCPConnector``'s default keep-alive), as a provider may
close one sooner."""

CONNECT_TIMEOUT_SECONDS = 10.0
"""A warm-up that has not connected by then gives up (the send connects itself)."""

Endpoint = Callable[[], Awaitable[tuple[aiohttp.ClientSession, str]]]
"""Gives the session to warm and a URL on the provider's host."""


async def preconnect(session: aiohttp.ClientSession, url: str, *, connect_seconds: float) -> None:
    """Open a connection to ``url``'s host and leave it idle in ``session``'s pool (the key
    a request to that host would use); no request is sent."""
    connector = session.connector
    if connector is None or session.closed:
        return
    request = aiohttp.ClientRequest("GET", URL(url), loop=asyncio.get_running_loop())
    timeout = aiohttp.ClientTimeout(connect=connect_seconds)
    connection = await connector.connect(request, [], timeout)
    connection.release()


class Preconnect:
    """The warm-up of one HTTP session: at most one in flight, none while it is in use."""

    def __init__(self, endpoint: Endpoint, *, timeout: float = CONNECT_TIMEOUT_SECONDS) -> None:
        self._endpoint = endpoint
        self._timeout = timeout
        self._task: asyncio.Task[None] | None = None
        self._last_used = -math.inf

    def used(self) -> None:
        """A request is starting or has ended: the session's connection is open now."""
        self._last_used = time.monotonic()

    def start(self) -> None:
        """Begin opening a connection unless one is likely open or being opened."""
        if self._task is not None and not self._task.done():
            return
        if time.monotonic() - self._last_used < IDLE_SECONDS:
            return
        self._task = asyncio.get_running_loop().create_task(self._open())

    def cancel(self) -> None:
        """Stop a warm-up in flight (the session is closing)."""
        if self._task is not None:
            self._task.cancel()

    async def settled(self) -> None:
        """Wait for a warm-up in flight, if any (its connection is then in the pool)."""
        task = self._task
        if task is not None and not task.done():
            await asyncio.wait([task])

    async def _open(self) -> None:
        try:
            session, url = await self._endpoint()
            await preconnect(session, url, connect_seconds=self._timeout)
        except Exception as error:  # the send that follows connects itself and says why
            log.debug("opening a provider connection ahead failed: %r", error)
        else:
            self.used()
