"""Provider rate limits as the stand-ins enforce them: a sliding one-second window.

Telegram documents "about 30 messages per second" overall and "one message per second" per
chat; Twilio queues at most the sender's rate (1/s for a long code, the account's rate for a
messaging service). A request that would make more than ``rate`` requests fall inside one
window is refused; the caller answers it with 429. ``slack`` shortens the window a little so
that a sender pacing at exactly the rate is not refused for network jitter of a few ms.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Hashable
from dataclasses import dataclass, field


@dataclass
class SlidingWindow:
    """At most ``rate`` accepted events in any window of ``1 / (rate granularity)`` second.

    For ``rate >= 1`` the window is one second holding ``rate`` events; for a fractional
    rate (0.5/s) it is ``1 / rate`` seconds holding one event. Events may be judged a little
    out of order (two requests arriving together, their handlers run the other way round):
    every window that would hold the new event counts, not only the one ending at it.
    """

    rate: float
    slack: float = 0.05
    _times: list[float] = field(default_factory=list)
    """Accepted events, sorted."""

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError("rate must be positive")
        if not 0 <= self.slack < 0.5:
            raise ValueError("slack must be in [0, 0.5)")

    @property
    def capacity(self) -> int:
        """Events allowed inside one window."""
        return max(1, int(self.rate)) if self.rate >= 1 else 1

    @property
    def window(self) -> float:
        """The window's length in seconds, before the slack."""
        return self.capacity / self.rate

    def _tightest(self, now: float) -> tuple[float, float] | None:
        """Of the windows shorter than the (slack-shortened) window that hold an event at
        ``now`` and ``capacity`` accepted ones: (its span, when its oldest event leaves);
        None when the event fits."""
        span = self.window * (1 - self.slack)
        times = self._times
        del times[: bisect.bisect_right(times, now - 3 * span)]  # none of these counts again
        near = times[bisect.bisect_right(times, now - span) : bisect.bisect_left(times, now + span)]
        capacity = self.capacity
        tightest: tuple[float, float] | None = None
        for first, last in zip(near, near[capacity - 1 :], strict=False):
            oldest, newest = min(first, now), max(last, now)
            if newest - oldest < span and (tightest is None or newest - oldest < tightest[0]):
                tightest = (newest - oldest, oldest + span)
        return tightest

    def wait(self, now: float) -> float:
        """Seconds until an event at ``now`` would fit (0: it fits); records nothing."""
        tightest = self._tightest(now)
        return 0.0 if tightest is None else max(tightest[1] - now, 1e-3)

    def span(self, now: float) -> float:
        """How tight a refusal at ``now`` is: the shortest time in which ``capacity``
        accepted events and this one arrived (infinite when it fits)."""
        tightest = self._tightest(now)
        return float("inf") if tightest is None else tightest[0]

    def record(self, now: float) -> None:
        """Count an accepted event at ``now``."""
        bisect.insort(self._times, now)

    def admit(self, now: float) -> float:
        """Accept an event at ``now`` (returns 0) or refuse it: seconds until it would fit."""
        wait = self.wait(now)
        if not wait:
            self.record(now)
        return wait


@dataclass
class KeyedWindows:
    """One ``SlidingWindow`` per key (a chat, a sender)."""

    rate: float
    slack: float = 0.05
    _windows: dict[Hashable, SlidingWindow] = field(default_factory=dict)

    def get(self, key: Hashable) -> SlidingWindow:
        """``key``'s own window."""
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = SlidingWindow(self.rate, self.slack)
        return window

    def admit(self, key: Hashable, now: float) -> float:
        """``SlidingWindow.admit`` for ``key``'s own window."""
        return self.get(key).admit(now)


def retry_after_seconds(wait: float) -> int:
    """Telegram's ``retry_after``: whole seconds, at least 1."""
    return max(1, math.ceil(wait))
