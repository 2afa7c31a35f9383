"""The health board: each component's state (ok, degraded, down), why, and since when.

The board is the one place a change of state is logged, so an outage that makes a component
fail a hundred times writes two lines: one when it degrades, one when it is ok again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

log = logging.getLogger("beredskab.health")

State = Literal["ok", "degraded", "down"]
RANK: dict[State, int] = {"ok": 0, "degraded": 1, "down": 2}


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Status:
    """One component's state; ``since`` changes only when ``state`` does."""

    state: State
    since: datetime
    reason: str | None = None
    restarts: int = 0

    def as_json(self) -> dict[str, Any]:
        """The /healthz form: ISO UTC times, reason null when ok."""
        return {
            "state": self.state,
            "reason": self.reason,
            "since": self.since.astimezone(UTC).isoformat(timespec="seconds"),
            "restarts": self.restarts,
        }


def error_reason(error: BaseException) -> str:
    """An error as a health reason: its type and the first line of its message."""
    lines = str(error).strip().splitlines()
    return (f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__)[:300]


def _kind(reason: str | None) -> str:
    """The part of a reason that names what went wrong (not the varying details)."""
    return (reason or "").split(":", 1)[0]


class Board:
    """Holds the state of every named component and logs each change once."""

    def __init__(self, clock: Callable[[], datetime] = _utcnow) -> None:
        self._clock = clock
        self._entries: dict[str, Status] = {}

    def set(
        self,
        name: str,
        state: State,
        reason: str | None = None,
        *,
        restarts: int | None = None,
        quiet: bool = False,
    ) -> Status:
        """Record ``name``'s state; logs when the state or the kind of reason changes (unless
        ``quiet``: an expected change, such as stopping at shutdown)."""
        old = self._entries.get(name)
        count = restarts if restarts is not None else (old.restarts if old else 0)
        if old is not None and old.state == state:
            new = replace(old, reason=reason, restarts=count)
        else:
            new = Status(state, self._clock(), reason, count)
        self._entries[name] = new
        if not quiet:
            self._log(name, old, new)
        return new

    def get(self, name: str) -> Status | None:
        """The current state of ``name``, if it is known."""
        return self._entries.get(name)

    def remove(self, name: str) -> None:
        """Forget ``name`` (the service no longer runs it)."""
        self._entries.pop(name, None)

    def snapshot(self) -> dict[str, Status]:
        """Every known component's state."""
        return dict(self._entries)

    def worst(self) -> State:
        """The worst state on the board ("ok" when empty)."""
        states = [s.state for s in self._entries.values()]
        return max(states, key=RANK.__getitem__, default="ok")

    def _log(self, name: str, old: Status | None, new: Status) -> None:
        if new.state == "ok":
            if old is not None and old.state != "ok":
                seconds = (new.since - old.since).total_seconds()
                log.warning(
                    "%s is ok again after %.1f s (%d restarts)", name, seconds, new.restarts
                )
            return
        if old is None or old.state != new.state or _kind(old.reason) != _kind(new.reason):
            log.warning("%s is %s: %s", name, new.state, new.reason or "no reason given")
