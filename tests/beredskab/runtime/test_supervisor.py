"""The supervisor: restart with capped backoff, one log line per change of state, bounded
shutdown, fatal errors end the wait."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import pytest

from beredskab.runtime.backoff import Backoff
from beredskab.runtime.health import Board
from beredskab.runtime.supervisor import Component, FatalError, Supervisor

FAST = Backoff(first=0.01, cap=0.05)
SETTLE = 0.3


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, ConnectionError)


async def _until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.01)


def test_backoff_doubles_up_to_the_cap() -> None:
    backoff = Backoff(first=0.5, cap=10.0)
    delays = [backoff.next_delay() for _ in range(7)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    with pytest.raises(ValueError, match="first <= cap"):
        Backoff(first=2.0, cap=1.0)


async def test_a_failing_component_degrades_is_restarted_and_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    board = Board()
    supervisor = Supervisor(board, classify=_transient, backoff=FAST, settle=SETTLE)
    runs = 0

    async def flaky(stop: asyncio.Event) -> None:
        nonlocal runs
        runs += 1
        if runs <= 5:
            raise ConnectionError("database went away")
        await stop.wait()

    with caplog.at_level(logging.INFO):
        supervisor.start(Component("outbox", flaky))
        await _until(lambda: runs >= 6)
        status = board.get("outbox")
        assert status is not None and status.state == "degraded"
        assert status.reason == "ConnectionError: database went away" and status.restarts == 5
        await _until(lambda: (board.get("outbox") or status).state == "ok")
        assert await supervisor.shutdown(grace=30, cancel_wait=30) == []
    lines = [r.getMessage() for r in caplog.records if r.name == "beredskab.health"]
    assert lines == [
        "outbox is degraded: ConnectionError: database went away",
        lines[1],
    ], lines  # once when it degraded, once when it recovered: not once per retry
    assert lines[1].startswith("outbox is ok again after") and "(5 restarts)" in lines[1]
    assert not [r for r in caplog.records if r.exc_info], "a transient failure has no traceback"


async def test_a_surprise_is_logged_with_its_traceback_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    supervisor = Supervisor(Board(), classify=_transient, backoff=FAST, settle=SETTLE)
    runs = 0

    async def buggy(stop: asyncio.Event) -> None:
        nonlocal runs
        runs += 1
        raise KeyError("bug")

    supervisor.start(Component("inbox", buggy))
    await _until(lambda: runs >= 4)
    await supervisor.shutdown(grace=30, cancel_wait=30)
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1 and "inbox failed unexpectedly" in tracebacks[0].getMessage()


async def test_what_a_failed_run_left_behind_is_told_to_stop() -> None:
    supervisor = Supervisor(Board(), classify=_transient, backoff=FAST, settle=SETTLE)
    orphans: list[asyncio.Event] = []

    async def leaves_workers(stop: asyncio.Event) -> None:
        orphans.append(stop)
        if len(orphans) == 1:
            raise ConnectionError("one worker failed; its siblings still run")
        await stop.wait()

    supervisor.start(Component("outbox", leaves_workers))
    await _until(lambda: len(orphans) == 2)
    assert orphans[0].is_set() and not orphans[1].is_set()
    await supervisor.shutdown(grace=30, cancel_wait=30)
    assert orphans[1].is_set()


async def test_returning_early_counts_as_a_failure() -> None:
    board = Board()
    supervisor = Supervisor(board, classify=_transient, backoff=FAST, settle=SETTLE)
    runs = 0

    async def quits(stop: asyncio.Event) -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            return
        await stop.wait()

    supervisor.start(Component("bot", quits))
    await _until(lambda: runs == 2)
    status = board.get("bot")
    assert status is not None and status.reason == "stopped unexpectedly"
    await supervisor.shutdown(grace=30, cancel_wait=30)


async def test_a_fatal_error_ends_the_wait() -> None:
    supervisor = Supervisor(Board(), classify=_transient, backoff=FAST, settle=SETTLE)

    async def cannot(stop: asyncio.Event) -> None:
        raise FatalError("cannot listen on 127.0.0.1:8080: Address already in use")

    supervisor.start(Component("web", cannot))
    with pytest.raises(FatalError, match="Address already in use"):
        async with asyncio.timeout(10):
            await supervisor.wait(asyncio.Event())
    await supervisor.shutdown(grace=30, cancel_wait=30)


async def test_shutdown_cancels_what_ignores_the_stop_after_the_grace() -> None:
    board = Board()
    supervisor = Supervisor(board, classify=_transient, backoff=FAST, settle=SETTLE)
    cancelled = asyncio.Event()

    async def polite(stop: asyncio.Event) -> None:
        await stop.wait()

    async def stubborn(stop: asyncio.Event) -> None:
        try:
            await asyncio.Event().wait()  # never looks at stop
        except asyncio.CancelledError:
            cancelled.set()
            raise

    supervisor.start(Component("web", polite))
    supervisor.start(Component("outbox", stubborn))
    await asyncio.sleep(0)
    began = time.monotonic()
    assert await supervisor.shutdown(grace=0.3, cancel_wait=0.5) == ["outbox"]
    assert time.monotonic() - began < 10 and cancelled.is_set()
    assert {s.state for s in board.snapshot().values()} == {"down"}


async def test_a_guarded_job_backs_off_and_recovers() -> None:
    board = Board()
    supervisor = Supervisor(board, classify=_transient, backoff=Backoff(first=0.2, cap=0.4))
    calls = 0

    async def tick() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database is locked")

    guarded = supervisor.guard("timers", tick)
    await guarded()
    status = board.get("timers")
    assert status is not None and status.state == "degraded" and status.restarts == 1
    await guarded()  # within the backoff: skipped, the database is not hammered
    assert calls == 1
    await asyncio.sleep(0.25)  # the backoff itself
    await guarded()
    assert calls == 2 and (board.get("timers") or status).state == "ok"
    await supervisor.shutdown(grace=30, cancel_wait=30)


async def test_a_job_still_running_at_shutdown_is_cancelled_after_the_grace() -> None:
    supervisor = Supervisor(Board(), classify=_transient, backoff=FAST, settle=SETTLE)
    chunks = 0

    async def endless_tick() -> None:
        nonlocal chunks
        while True:  # ignores supervisor.stopping, unlike the real tick
            chunks += 1
            await asyncio.sleep(0.01)

    running = asyncio.create_task(supervisor.guard("timers", endless_tick)())
    await _until(lambda: chunks > 2)
    began = time.monotonic()
    assert await supervisor.shutdown(grace=0.2, cancel_wait=0.5) == ["timers"]
    assert running.cancelled() and time.monotonic() - began < 10
