"""``serve``'s event loop: uvloop where it is installed (Linux and macOS), else asyncio's own.

Everything ``serve`` does runs on one event loop thread (SQLite's statements too:
``storage.inloop``), so the loop's own cost per wake-up, per timer and per socket read and
write is paid on every request and every message. uvloop does that work in C (libuv);
asyncio's selector loop does it in Python. Under the inbound load (README "Performance",
fifth round) the loop thread was the bound, and uvloop took 228 to 382 replies a second.
Nothing in the service depends on which loop runs: both implement the same ``asyncio``
interface, and the commands other than ``serve`` keep asyncio's loop (they are short, and
their start time counts).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


def factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """A loop factory for ``asyncio.Runner``: uvloop's, or None (asyncio's default) where
    uvloop is not installed (Windows has none)."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop
