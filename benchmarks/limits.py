"""Provider rate limits as the stand-ins enforce them: a sliding one-second window.

Telegram documents "about 30 messages per second" overall and "one message per second" per
chat; Twilio queues at most the sender's rate (1/s for a long code, the account's rate for a
messaging service). A request that would make more than ``rate`` requests fall inside one
window is refused; the caller answers it with 429. ``slack`` shortens the window a little so
that a sender pacing at exactly the rate is not refused for network jitter of a few ms.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field


@dataclass
class SlidingWindow:
    """At most ``rate`` accepted events in any window of ``1 / (rate granularity)`` second.

    For ``rate >= 1`` the window is one second holding ``rate`` events; for a fractional
    rate (0.5/s) it is ``1 / rate`` seconds holding one event.
    """

    rate: float
    slack: float = 0.05
    _times: deque[float] = field(default_factory=deque)

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

    def wait(self, now: float) -> float:
        """Seconds until an event at ``now`` would fit (0: it fits); records nothing."""
        span = self.window * (1 - self.slack)
        while self._times and now - self._times[0] >= span:
            self._times.popleft()
        if len(self._times) < self.capacity:
            return 0.0
        return max(self._times[0] + span - now, 1e-3)

    def span(self, now: float) -> float:
        """Seconds since the oldest event still in the window (how tight a refusal was)."""
        return now - self._times[0] if self._times else float("inf")

    def record(self, now: float) -> None:
        """Count an accepted event at ``now``."""
        self._times.append(now)

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
