"""Health of the outbox's long-running loops, for the supervisor and ``/healthz``.

Each loop (one per channel, and the fallback check) is ``ok`` or ``degraded`` with a reason
and the time of its last change. A change is logged once (not once per failed retry); the
loop backs off with a cap while degraded and resumes by itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from beredskab.runtime.backoff import Backoff
from beredskab.storage import is_transient

log = logging.getLogger("beredskab.outbox")

State = Literal["ok", "degraded"]
RECOVER_BASE_SECONDS = 0.2
RECOVER_MAX_SECONDS = 5.0
"""Backoff of a degraded loop: 0.2 s doubling up to 5 s, so a loop resumes within 5 s of
its database (or provider) coming back."""


@dataclass(frozen=True, slots=True)
class ComponentHealth:
    """One loop's state, why, and since when (UTC)."""

    state: State
    reason: str
    since: datetime


def describe(error: BaseException) -> str:
    """A short reason for a failed round: database trouble or an unexpected error."""
    what = "database unavailable" if is_transient(error) else "unexpected error"
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{what}: {type(error).__name__}" + (f": {text[:200]}" if text else "")


class HealthBoard:
    """The states of named loops, logging each change once."""

    def __init__(self) -> None:
        self._states: dict[str, ComponentHealth] = {}
        self._pauses: dict[str, Backoff] = {}

    def register(self, name: str) -> None:
        """Start tracking ``name`` as ok."""
        self._states.setdefault(name, ComponentHealth("ok", "", datetime.now(UTC)))

    def ok(self, name: str) -> None:
        """``name`` completed a round; log the recovery if it was degraded."""
        self._pauses.pop(name, None)
        current = self._states.get(name)
        if current is not None and current.state == "ok":
            return
        if current is not None:
            down = (datetime.now(UTC) - current.since).total_seconds()
            log.warning("%s recovered after %.1f s (%s)", name, down, current.reason)
        self._states[name] = ComponentHealth("ok", "", datetime.now(UTC))

    def degraded(self, name: str, error: BaseException | str) -> float:
        """``name`` failed a round; returns how long to back off before the next one."""
        reason = error if isinstance(error, str) else describe(error)
        pause = self._pauses.setdefault(
            name, Backoff(first=RECOVER_BASE_SECONDS, cap=RECOVER_MAX_SECONDS)
        )
        current = self._states.get(name)
        if current is None or current.state != "degraded":
            if isinstance(error, BaseException) and not is_transient(error):
                log.error("%s degraded: %s", name, reason, exc_info=error)
            else:
                log.error("%s degraded: %s", name, reason)
            self._states[name] = ComponentHealth("degraded", reason, datetime.now(UTC))
        elif current.reason != reason:  # still degraded, for another reason: keep "since"
            self._states[name] = ComponentHealth("degraded", reason, current.since)
        return pause.next_delay()

    def snapshot(self) -> dict[str, ComponentHealth]:
        """Every loop's current state."""
        return dict(self._states)
