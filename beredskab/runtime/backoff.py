"""Capped exponential backoff and a log line per state change, for loops that must outlive
their dependencies (database, Telegram): wait a little longer after each failure, never more
than the cap, and say so once when the trouble starts and once when it ends."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from beredskab.runtime.health import Board, error_reason


@dataclass
class Backoff:
    """Delays ``first, first*factor, ...`` up to ``cap``; ``reset`` after a success."""

    first: float = 0.5
    cap: float = 10.0
    factor: float = 2.0
    _next: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        if not 0 < self.first <= self.cap or self.factor < 1:
            raise ValueError("backoff needs 0 < first <= cap and factor >= 1")
        self._next = self.first

    def next_delay(self) -> float:
        """The delay to wait now; the following one is longer (up to the cap)."""
        delay = self._next
        self._next = min(self.cap, self._next * self.factor)
        return delay

    def reset(self) -> None:
        """Back to the first delay (after a success)."""
        self._next = self.first

    async def wait(self, stop: asyncio.Event, *, at_least: float = 0.0) -> bool:
        """Sleep the next delay (or ``at_least``, if longer) unless ``stop`` is set first;
        True when stopped."""
        return await wait_or_stop(stop, max(at_least, self.next_delay()))


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds`` or until ``stop`` is set; True when stopped."""
    try:
        async with asyncio.timeout(seconds):
            await stop.wait()
    except TimeoutError:
        return False
    return True


async def wait_woken(wake: asyncio.Event, stop: asyncio.Event, seconds: float) -> None:
    """Wait until ``wake`` or ``stop`` is set, at most ``seconds`` (an idle loop's nap)."""
    waiters = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


@dataclass
class Trouble:
    """Logs a dependency's failures once per state change (not once per retry) and, given a
    health ``board``, shows the loop there as ``name`` (degraded with the reason, then ok)."""

    logger: logging.Logger
    what: str
    board: Board | None = None
    name: str = ""
    failing: bool = False

    def failed(self, error: BaseException) -> None:
        """A failure: logged when it is the first of a run."""
        if self.board is not None:
            self.board.set(self.name, "degraded", error_reason(error), quiet=True)
        if not self.failing:
            self.failing = True
            brief = error_reason(error)
            self.logger.warning("%s failing, retrying with backoff: %s", self.what, brief)

    def recovered(self) -> None:
        """A success: logged when it ends a run of failures."""
        if self.failing:
            self.failing = False
            if self.board is not None:
                self.board.set(self.name, "ok", quiet=True)
            self.logger.info("%s recovered", self.what)
