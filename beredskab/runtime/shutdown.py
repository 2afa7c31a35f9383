"""A bounded shutdown: how ``[service] shutdown_seconds`` is spent, and the last resort.

Of the allowed time, in-flight work gets 60 % as grace (requests finish, a worker records
what it sent, the timer tick ends its chunk), then whatever still runs is cancelled and gets
15 % to unwind; closing connections gets 15 %. If anything still holds the process — a
thread stuck in a driver, an executor that will not finish — ``Deadline`` ends it when the
time is up, with one line on stderr. Unfinished deliveries stay leased in the database and
are taken up again after the restart.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass

GRACE_SHARE = 0.6
CANCEL_SHARE = 0.15
CLOSE_SHARE = 0.15
EXIT_CODE = 1
"""Exit code when the deadline had to end the process (a clean stop exits 0)."""


@dataclass(frozen=True)
class Budget:
    """``shutdown_seconds`` split into grace, cancel and close phases."""

    total: float

    @property
    def grace(self) -> float:
        """Seconds in-flight work may take before it is cancelled."""
        return self.total * GRACE_SHARE

    @property
    def cancel_wait(self) -> float:
        """Seconds cancelled work may take to unwind."""
        return self.total * CANCEL_SHARE

    @property
    def close(self) -> float:
        """Seconds for closing channels and database connections."""
        return self.total * CLOSE_SHARE


class Deadline:
    """Once armed, ends the process after ``seconds`` unless it has exited by then."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._armed = False
        self._done = threading.Event()

    def arm(self) -> None:
        """Start counting (idempotent)."""
        if self._armed:
            return
        self._armed = True
        threading.Thread(target=self._watch, name="shutdown-deadline", daemon=True).start()

    def disarm(self) -> None:
        """The process is about to exit on its own."""
        self._done.set()

    def _watch(self) -> None:
        if self._done.wait(self.seconds):
            return
        sys.stderr.write(
            f"beredskab: shutdown did not finish within {self.seconds:g} s; exiting now "
            "(unfinished deliveries stay leased and are sent after the restart)\n"
        )
        sys.stderr.flush()
        os._exit(EXIT_CODE)
