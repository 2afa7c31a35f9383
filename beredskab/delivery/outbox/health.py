"""How the outbox's long-running loops report to the health board (``runtime.health.Board``).

Each loop (``outbox.<channel>`` per channel, and ``outbox.fallback``) is ``ok`` or
``degraded`` with a reason on the board, which logs each change once (not once per failed
retry). A degraded loop backs off with a cap and resumes by itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from beredskab.runtime.backoff import Backoff
from beredskab.runtime.health import Board, Status, error_reason
from beredskab.storage import is_transient

log = logging.getLogger("beredskab.delivery.outbox")

RECOVER_BASE_SECONDS = 0.2
RECOVER_MAX_SECONDS = 5.0
"""Backoff of a degraded loop: 0.2 s doubling up to 5 s, so a loop resumes within 5 s of
its database (or provider) coming back."""
WAITING = "outcomes waiting to be recorded"


def describe(error: BaseException) -> str:
    """A short reason for a failed round: database trouble or an unexpected error."""
    what = "database unavailable" if is_transient(error) else "unexpected error"
    return f"{what}: {error_reason(error)}"


class Loops:
    """Reports the named loops to ``board`` and paces each one's retries after failed rounds."""

    def __init__(self, board: Board, names: Iterable[str]) -> None:
        self._board = board
        self._names = list(names)
        self._pauses: dict[str, Backoff] = {}
        for name in self._names:
            if board.get(name) is None:
                board.set(name, "ok", quiet=True)

    def ok(self, name: str, *, waiting: int = 0) -> None:
        """``name`` completed a round; still ``degraded`` while ``waiting`` outcomes of its
        channel are kept unrecorded (another worker's write failed)."""
        self._pauses.pop(name, None)
        if waiting:
            self._board.set(name, "degraded", f"{WAITING}: {waiting}")
            return
        current = self._board.get(name)
        if current is None or current.state != "ok":
            self._board.set(name, "ok")

    def degraded(self, name: str, error: BaseException | str) -> float:
        """``name`` failed a round; returns how long to back off before the next one. An
        unexpected error (not the database being away) is logged with its traceback when the
        loop degrades."""
        current = self._board.get(name)
        if isinstance(error, str):
            reason = error
        else:
            reason = describe(error)
            if not is_transient(error) and (current is None or current.state != "degraded"):
                log.error("%s degraded: %s", name, reason, exc_info=error)
        self._board.set(name, "degraded", reason)
        pause = self._pauses.setdefault(
            name, Backoff(first=RECOVER_BASE_SECONDS, cap=RECOVER_MAX_SECONDS)
        )
        return pause.next_delay()

    def snapshot(self) -> dict[str, Status]:
        """The current state of each of these loops."""
        entries = self._board.snapshot()
        return {name: entries[name] for name in self._names if name in entries}
