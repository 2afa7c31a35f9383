"""The supervisor: runs each long-running component of `serve` and keeps it running.

A component is a coroutine function taking a stop event; it runs until that event is set.
When it raises (the database went away, a lock was held past the busy timeout, a provider
reset the connection) or returns early, the supervisor marks it ``degraded`` with the reason,
waits (0.5 s doubling to 10 s) and starts it again with a fresh stop event, so sub-tasks the
failed run left behind see their stop and end. A run that lasts ``settle`` seconds counts as
recovered: the component is ``ok`` again and the backoff starts over. Scheduled jobs get the
same treatment through ``guard``: a failing job is skipped with backoff, never a traceback
per tick. Only ``FatalError`` — what cannot heal by waiting — ends the service.

Shutdown is bounded: ``shutdown(grace, cancel_wait)`` sets every stop event, gives in-flight
work ``grace`` seconds, then cancels what is left and waits at most ``cancel_wait``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from beredskab.errors import BeredskabError
from beredskab.runtime.backoff import Backoff, wait_or_stop
from beredskab.runtime.health import Board, error_reason

log = logging.getLogger(__name__)

Run = Callable[[asyncio.Event], Awaitable[None]]
Classify = Callable[[BaseException], bool]
RESTART_FIRST_SECONDS = 0.5
RESTART_CAP_SECONDS = 10.0
SETTLE_SECONDS = 5.0
"""A run that lasts this long counts as recovered: the restart backoff starts over."""


class FatalError(BeredskabError):
    """What cannot heal by waiting (port taken, schema cannot be migrated): `serve` stops
    and exits non-zero with this message as its one line."""


@dataclass(frozen=True)
class Component:
    """A long-running part of the service: ``run(stop)`` returns only once ``stop`` is set."""

    name: str
    run: Run


@dataclass(frozen=True)
class Job:
    """A recurring job: ``run()`` every ``every`` seconds (by the scheduler)."""

    name: str
    every: float
    run: Callable[[], Awaitable[object]]


@dataclass
class _JobState:
    backoff: Backoff
    not_before: float = 0.0
    restarts: int = 0
    failing: bool = field(default=False)


class Supervisor:
    """Starts components, restarts them when they fail, stops them within a bound."""

    def __init__(
        self,
        board: Board,
        *,
        classify: Classify,
        backoff: Backoff | None = None,
        settle: float = SETTLE_SECONDS,
    ) -> None:
        """``backoff`` is the template of restart delays (each component and job gets its own
        copy); a run of ``settle`` seconds resets it."""
        if settle <= 0:
            raise ValueError("settle must be positive")
        self._board = board
        self._classify = classify
        self._backoff = backoff or Backoff(first=RESTART_FIRST_SECONDS, cap=RESTART_CAP_SECONDS)
        self._settle = settle
        self._stop = asyncio.Event()
        self._runs: set[asyncio.Event] = set()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._jobs: dict[asyncio.Task[Any], str] = {}
        self._fatal: FatalError | None = None
        self._fatal_seen = asyncio.Event()

    @property
    def stopping(self) -> bool:
        """True once shutdown has begun (jobs check it between chunks of work)."""
        return self._stop.is_set()

    @property
    def names(self) -> list[str]:
        """The components started so far."""
        return list(self._tasks)

    def start(self, component: Component) -> None:
        """Run ``component`` under supervision from now until shutdown."""
        if component.name in self._tasks:
            raise ValueError(f"component {component.name!r} is already running")
        self._tasks[component.name] = asyncio.create_task(
            self._keep(component), name=f"component:{component.name}"
        )

    def guard(
        self, name: str, job: Callable[[], Awaitable[object]]
    ) -> Callable[[], Awaitable[None]]:
        """``job`` for the scheduler: failures degrade ``name`` and skip runs with backoff;
        a run in progress at shutdown is cancelled after the grace period."""
        state = _JobState(backoff=replace(self._backoff))
        self._board.set(name, "ok", quiet=True)
        loop = asyncio.get_running_loop()

        async def guarded() -> None:
            if self._stop.is_set() or loop.time() < state.not_before:
                return
            task = asyncio.current_task()
            if task is not None:
                self._jobs[task] = name
            try:
                await job()
            except FatalError as exc:
                self._set_fatal(exc)
            except Exception as exc:
                if self._stop.is_set():
                    return
                state.restarts += 1
                self._failed(name, exc, state.restarts)
                state.not_before = loop.time() + state.backoff.next_delay()
            else:
                state.backoff.reset()
                current = self._board.get(name)
                if current is None or current.state != "ok":
                    self._board.set(name, "ok", restarts=state.restarts)
            finally:
                if task is not None:
                    self._jobs.pop(task, None)

        return guarded

    async def wait(self, stop: asyncio.Event) -> None:
        """Until ``stop`` is set; raises the ``FatalError`` a component reported instead."""
        stopped = asyncio.ensure_future(stop.wait())
        fatal = asyncio.ensure_future(self._fatal_seen.wait())
        try:
            await asyncio.wait({stopped, fatal}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            fatal.cancel()
        if self._fatal is not None:
            raise self._fatal

    async def shutdown(self, *, grace: float, cancel_wait: float) -> list[str]:
        """Stop everything: ``grace`` seconds to finish, then cancel; returns the names of
        components that had to be cancelled."""
        self._stop.set()
        for run_stop in list(self._runs):
            run_stop.set()
        tasks: dict[asyncio.Task[Any], str] = {t: n for n, t in self._tasks.items()}
        tasks.update(self._jobs)
        if not tasks:
            return []
        _, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=cancel_wait)
            log.warning(
                "shutdown: cancelled after %.1f s grace: %s",
                grace,
                ", ".join(sorted(tasks[t] for t in pending)),
            )
        for name in self._tasks:
            self._board.set(name, "down", "stopped", quiet=True)
        return sorted(tasks[t] for t in pending)

    async def _keep(self, component: Component) -> None:
        loop = asyncio.get_running_loop()
        backoff, restarts = replace(self._backoff), 0
        self._board.set(component.name, "ok", restarts=0, quiet=True)
        while not self._stop.is_set():
            run_stop = asyncio.Event()
            self._runs.add(run_stop)
            began = loop.time()
            settled = loop.call_later(self._settle, self._settled, component.name, run_stop)
            failure: BaseException | str
            try:
                await component.run(run_stop)
                if self._stop.is_set():
                    return
                failure = "stopped unexpectedly"
            except FatalError as exc:
                self._set_fatal(exc)
                return
            except Exception as exc:
                if self._stop.is_set():
                    log.debug("%s failed while stopping", component.name, exc_info=True)
                    return
                failure = exc
            finally:
                settled.cancel()
                run_stop.set()  # whatever the failed run left behind stops too
                self._runs.discard(run_stop)
            if loop.time() - began >= self._settle:
                backoff.reset()
            restarts += 1
            self._failed(component.name, failure, restarts)
            await wait_or_stop(self._stop, backoff.next_delay())

    def _settled(self, name: str, run_stop: asyncio.Event) -> None:
        """The current run has lasted ``settle`` seconds: the component is ok again."""
        current = self._board.get(name)
        if not run_stop.is_set() and current is not None and current.state != "ok":
            self._board.set(name, "ok")

    def _failed(self, name: str, failure: BaseException | str, restarts: int) -> None:
        """Mark ``name`` degraded; a traceback is logged once per kind, only for surprises."""
        if isinstance(failure, str):
            reason = failure
        else:
            reason = error_reason(failure)
            before = self._board.get(name)
            new_kind = (
                before is None
                or before.state == "ok"
                or not (before.reason or "").startswith(type(failure).__name__)
            )
            if new_kind and not self._classify(failure):
                log.error("%s failed unexpectedly; restarting it", name, exc_info=failure)
        self._board.set(name, "degraded", reason, restarts=restarts)

    def _set_fatal(self, error: FatalError) -> None:
        if self._fatal is None:
            self._fatal = error
        self._fatal_seen.set()
