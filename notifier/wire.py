"""When a request reaches the wire: pacing stamps follow the bytes, not the permission.

A pacer records a start when it lets a send go, but the request leaves later: after the
request is built, after aiohttp's writer task gets its loop turn. On a busy event loop that
gap varies by tens of milliseconds, so two sends a full window apart by permission can reach
the provider closer together than its window allows (a 429). The pacer therefore sets
``ON_WIRE`` around each send (``stamping``), and the channels' HTTP sessions carry
``trace_config()``, whose hooks call it when the request's headers and each body chunk are
written: the start is moved to that moment, and the next send in the window waits for it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

import aiohttp

ON_WIRE: ContextVar[Callable[[], None] | None] = ContextVar("on_wire", default=None)
"""Called each time the current send's bytes are written (None: nobody is pacing it)."""


def on_wire() -> None:
    """The current send's bytes are being written now."""
    callback = ON_WIRE.get()
    if callback is not None:
        callback()


@contextlib.contextmanager
def stamping(callback: Callable[[], None]) -> Iterator[None]:
    """Within the block, ``callback`` is told when the request's bytes are written (also in
    tasks the block starts, such as aiohttp's body writer: they copy the context)."""
    token = ON_WIRE.set(callback)
    try:
        yield
    finally:
        ON_WIRE.reset(token)


async def _written(_session: Any, _context: Any, _params: Any) -> None:
    on_wire()


def trace_config() -> aiohttp.TraceConfig:
    """Hooks for an ``aiohttp.ClientSession`` that report when each request is written."""
    config = aiohttp.TraceConfig()
    config.on_request_headers_sent.append(_written)
    config.on_request_chunk_sent.append(_written)
    return config
