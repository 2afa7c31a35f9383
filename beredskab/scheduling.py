"""The scheduler: APScheduler 3.11 (AsyncIOScheduler, in-memory job store) runs the recurring
preparedness jobs. (Escalation timers are database rows fired by the app's timer loop, which
sleeps until the next one is due: ``incident.timer_loop``.)

Jobs are handed in wrapped by the supervisor (``beredskab.runtime``), which turns a failure
into a degraded state with backoff instead of a traceback every second. At shutdown
``pause`` stops new runs, the supervisor gives a running job its grace period (the timer tick
ends after its current chunk), and ``shutdown`` cancels whatever is still running."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)


class _StillRunning(logging.Filter):
    """A tick that outlasts its interval (a burst of timers) is expected: APScheduler's
    "skipped: maximum number of running instances reached" would log it every second."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in record.getMessage()


_apscheduler_log = logging.getLogger(f"{__name__}.apscheduler")
_apscheduler_log.addFilter(_StillRunning())

Job = Callable[[], Awaitable[object]]


class Scheduler:
    """Owns the APScheduler instance for one running service."""

    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone="UTC", logger=_apscheduler_log)

    def every(self, seconds: float, job: Job, *, name: str) -> None:
        """Run ``job`` every ``seconds``; a run that is still busy or late is not doubled."""
        self._scheduler.add_job(
            job,
            "interval",
            seconds=seconds,
            id=name,
            name=name,
            coalesce=True,  # missed runs collapse into one: the job itself catches up
            max_instances=1,
            misfire_grace_time=None,  # never silently skipped, however late
        )

    def start(self) -> None:
        """Start running jobs on the current event loop."""
        self._scheduler.start()

    def pause(self) -> None:
        """Start no more runs (a run in progress goes on)."""
        if self._scheduler.running:
            self._scheduler.pause()

    def shutdown(self) -> None:
        """Stop; a job still running is cancelled."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
