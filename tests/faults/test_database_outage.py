"""Database outages during a fan-out, against a real `beredskab serve`.

- PostgreSQL restarted (``pg_ctl restart -m fast``: every connection is dropped) while a
  gruppe-2 activation is going out;
- PostgreSQL stopped for 10 s during the fan-out: /healthz answers 503 meanwhile (quickly),
  200 after;
- SQLite: another connection holds the write lock (``BEGIN IMMEDIATE``) well past the busy
  timeout: the components degrade, then resume.

Each time the same process must still be running afterwards (no restart), every message
must have gone out (0 lost), SMS exactly once (in-flight SMS are reconciled through Twilio's
message list), and email/Telegram at most the bound of sends in flight at the failure.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from beredskab.storage import Database
from beredskab.storage.repositories.timers import NewTimer
from tests.e2e.service import wait_for
from tests.faults.support_runtime import (
    FaultService,
    Tally,
    activate,
    all_ok,
    deliveries,
    launch,
    pg_cluster,
    pg_database,
    plan_for,
    settled,
    start,
    synthetic_directory,
    tally,
    write_config,
)
from tests.peers.twilio_recording import RecordingTwilio, recording_twilio
from tests.postgres import Cluster

__all__ = ["pg_cluster", "recording_twilio"]

PEOPLE = 400
"""Synthetic SSP members on top of the example directory: ~400 SMS at 40/s, ~10 s of fan-out."""
WORKERS, BATCH = 2, 10
HANG_SECONDS = 6.0
"""How long the PostgreSQL processes stay stopped (SIGSTOP) in the hang test."""
SHUTDOWN_SECONDS = 10
"""The default ``[service] shutdown_seconds``."""
LOCK_SECONDS = 10.0
"""How long the other connection holds the SQLite write lock (ten busy timeouts)."""
TIMER_AFTER_SECONDS = 6.0
"""The SQLite lock test's timer falls due this long after it is written, the lock being
taken right after; the lock is held until the timer loop has met it."""
NOBODY = "nobody-in-the-directory"
IN_FLIGHT_BOUND = WORKERS * BATCH * 2
"""Console sends (email, Telegram) of a batch are recorded one by one after they return; at
most the batches in the air when the database fails (two workers per console kind) can be
sent again after their lease."""


async def _fan_out(
    tmp_path: Path, database_url: str, twilio: RecordingTwilio, database: str = ""
) -> tuple[FaultService, Database, int]:
    """Start the service, activate gruppe-2, return once a quarter of the SMS are out."""
    directory = synthetic_directory(tmp_path, PEOPLE)
    plan = plan_for(directory)
    config = write_config(
        tmp_path, database_url=database_url, directory=directory, twilio=twilio, database=database
    )
    service = await start(tmp_path, config, database_url, plan)
    db = Database(database_url)
    incident = await activate(db, plan)
    rows = await deliveries(db, incident)
    sms = sum(1 for d in rows if d.channel.value == "sms")

    async def under_way() -> bool:
        return len(twilio.messages) >= sms // 4

    await wait_for(under_way, within=60)
    return service, db, incident


async def _finish(
    service: FaultService, db: Database, incident: int, twilio: RecordingTwilio
) -> Tally:
    async def done() -> bool:
        return await settled(db, incident)

    await wait_for(done, within=180)
    async with httpx.AsyncClient() as client:

        async def healthy() -> bool:
            answer = await service.health(client)
            return answer is not None and answer[0] == 200 and answer[1]["status"] == "ok"

        await wait_for(healthy, within=60)
        page = await client.get(f"{service.base_url}/login")
        assert page.status_code == 200, "the web pages answer again"
    assert service.process.poll() is None, "the same process is still serving"
    result = tally(await deliveries(db, incident), service, twilio)
    assert result.lost == 0 and result.failed == 0, result
    sms_dup = sum(n - 1 for n in _per_sms(twilio).values() if n > 1)
    assert sms_dup == 0, "somebody got the same SMS twice"
    assert result.duplicated <= IN_FLIGHT_BOUND, result
    seconds = await service.terminate()
    assert service.process.returncode == 0, service.output
    assert seconds < 25
    return result


def _per_sms(twilio: RecordingTwilio) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for m in twilio.messages:
        counts[(m.to, m.body)] = counts.get((m.to, m.body), 0) + 1
    return counts


@pytest.mark.postgres
@pytest.mark.timeout(300)
async def test_postgresql_restart_during_a_fan_out(
    tmp_path: Path, pg_cluster: Cluster, recording_twilio: RecordingTwilio
) -> None:
    url = pg_database(pg_cluster)
    service, db, incident = await _fan_out(tmp_path, url, recording_twilio)
    try:
        sent_before = len(recording_twilio.messages)
        began = time.monotonic()
        await asyncio.to_thread(pg_cluster.restart, "fast")
        down = time.monotonic() - began
        result = await _finish(service, db, incident, recording_twilio)
    finally:
        await db.dispose()
        if service.process.poll() is None:
            service.process.kill()
    print(
        f"\nfaults: pg-restart fan-out: {result.line()} sms_before_restart={sent_before} "
        f"restart={down:.1f}s"
    )


@pytest.mark.postgres
@pytest.mark.timeout(300)
async def test_postgresql_stopped_10_s_during_a_fan_out(
    tmp_path: Path, pg_cluster: Cluster, recording_twilio: RecordingTwilio
) -> None:
    url = pg_database(pg_cluster)
    service, db, incident = await _fan_out(tmp_path, url, recording_twilio)
    slowest, answers = 0.0, {200: 0, 503: 0}
    try:
        await asyncio.to_thread(pg_cluster.stop, "fast")
        stopped = time.monotonic()
        async with httpx.AsyncClient() as client:
            while time.monotonic() - stopped < 10:
                asked = time.monotonic()
                answer = await service.health(client)
                slowest = max(slowest, time.monotonic() - asked)
                assert answer is not None, "/healthz answers while the database is down"
                answers[answer[0]] = answers.get(answer[0], 0) + 1
                if answer[0] == 503:
                    assert answer[1]["database"]["state"] == "down", answer
                    assert answer[1]["database"]["reason"], answer
                await asyncio.sleep(0.2)  # a monitoring probe's interval, not a wait for state
        await asyncio.to_thread(pg_cluster.start)
        down = time.monotonic() - stopped
        assert answers[503] > 0, answers
        assert slowest < 5, f"/healthz took {slowest:.1f} s while the database was down"
        result = await _finish(service, db, incident, recording_twilio)
    finally:
        await db.dispose()
        if service.process.poll() is None:
            service.process.kill()
    print(
        f"\nfaults: pg-stop-10s fan-out: {result.line()} down={down:.1f}s "
        f"healthz 503={answers[503]} 200={answers.get(200, 0)} slowest={slowest:.2f}s"
    )


@pytest.mark.timeout(300)
async def test_sqlite_lock_past_the_busy_timeout(
    tmp_path: Path, recording_twilio: RecordingTwilio
) -> None:
    path = tmp_path / "var" / "beredskab.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    service, db, incident = await _fan_out(
        tmp_path, url, recording_twilio, database="busy_timeout_seconds = 1\n"
    )
    degraded: set[str] = set()
    slowest = 0.0
    try:
        # The timer loop writes only when a timer is due: one falls due while the lock is
        # held (a pre-0015 "renotify" for nobody in the directory: it fires without a message).
        async with db.transaction() as tx:
            due = tx.now + timedelta(seconds=TIMER_AFTER_SECONDS)
            await tx.timers.add(
                [NewTimer(kind="renotify", incident_id=incident, due_at=due, person_id=NOBODY)],
                now=tx.now,
            )
        holder = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
        await asyncio.to_thread(holder.execute, "BEGIN IMMEDIATE")
        locked = time.monotonic()
        unfired = "SELECT count(*) FROM timers WHERE person_id = ? AND fired_at IS NULL"
        assert holder.execute(unfired, (NOBODY,)).fetchone() == (1,), "locked before it fell due"
        async with httpx.AsyncClient() as client:

            async def components_degraded() -> bool:
                answer = await service.health(client)
                assert answer is not None, "/healthz answers while the database is locked"
                degraded.update(
                    name
                    for name, c in answer[1]["components"].items()
                    if c["state"] == "degraded" and "locked" in (c["reason"] or "")
                )
                outbox = any(name.startswith("outbox.") for name in degraded)  # a channel loop
                return outbox and "timers" in degraded

            await wait_for(components_degraded, within=60)
            while time.monotonic() - locked < LOCK_SECONDS:  # the fault lasts this long
                asked = time.monotonic()
                assert await service.health(client) is not None
                slowest = max(slowest, time.monotonic() - asked)
                await asyncio.sleep(0.2)
        held = time.monotonic() - locked
        holder.rollback()
        holder.close()
        result = await _finish(service, db, incident, recording_twilio)
        async with db.read() as tx:
            [fired] = [t for t in await tx.timers.for_incident(incident) if t.person_id == NOBODY]
        assert fired.fired_at is not None and fired.outcome == "skipped: answered"
    finally:
        await db.dispose()
        if service.process.poll() is None:
            service.process.kill()
    print(
        f"\nfaults: sqlite-lock fan-out: {result.line()} held={held:.1f}s busy_timeout=1s "
        f"degraded={','.join(sorted(degraded))} slowest_healthz={slowest:.2f}s"
    )


@pytest.mark.postgres
@pytest.mark.timeout(180)
async def test_serve_starts_while_postgresql_is_down_and_waits_for_it(
    tmp_path: Path, pg_cluster: Cluster
) -> None:
    """The database is down when `serve` starts: it does not exit; /healthz answers 503 and
    says what it waits for; once PostgreSQL is up the schema is migrated, the components
    start and a fan-out goes out."""
    url = pg_database(pg_cluster)
    await asyncio.to_thread(pg_cluster.stop, "fast")
    directory = synthetic_directory(tmp_path, 0)
    plan = plan_for(directory)
    config = write_config(tmp_path, database_url=url, directory=directory, twilio=None)
    service = await launch(tmp_path, config, url, plan)
    db = Database(url)
    try:
        async with httpx.AsyncClient() as client:
            seen: dict[str, Any] = {}

            async def waiting() -> bool:
                assert service.process.poll() is None, service.process.communicate()[0]
                answer = await service.health(client)
                if answer is None or answer[0] != 503:
                    return False
                seen.update(answer[1])
                return answer[1]["components"].get("outbox", {}).get("state") == "down"

            await wait_for(waiting, within=60)
            assert seen["database"]["state"] == "down" and seen["database"]["since"]
            assert seen["components"]["outbox"]["reason"] == "waiting for the database"
            assert seen["components"]["web"]["state"] == "ok"
            down_for = time.monotonic()
            await asyncio.to_thread(pg_cluster.start)

            async def serving() -> bool:
                answer = await service.health(client)
                return answer is not None and answer[0] == 200 and all_ok(answer[1])

            await wait_for(serving, within=60)
            ready = time.monotonic() - down_for
        incident = await activate(db, plan)

        async def done() -> bool:
            return await settled(db, incident)

        await wait_for(done, within=60)
        result = tally(await deliveries(db, incident), service, None)
        assert result.lost == 0 and result.duplicated == 0 and result.failed == 0, result
        assert await service.terminate() < 25 and service.process.returncode == 0
    finally:
        await db.dispose()
        if service.process.poll() is None:
            service.process.kill()
    print(
        f"\nfaults: pg-down-at-start: serving {ready:.1f}s after PostgreSQL came up; "
        f"{result.line()}"
    )


@pytest.mark.postgres
@pytest.mark.timeout(240)
async def test_postgresql_hanging_neither_blocks_healthz_nor_shutdown(
    tmp_path: Path, pg_cluster: Cluster
) -> None:
    """Every PostgreSQL process SIGSTOPped: connections stay open and nothing answers. The
    bounded probe keeps /healthz answering (503 "no answer"); when the cluster resumes so
    does the service; and a SIGTERM while it hangs still ends `serve` in time."""
    url = pg_database(pg_cluster)
    directory = synthetic_directory(tmp_path, 0)
    plan = plan_for(directory)
    config = write_config(tmp_path, database_url=url, directory=directory, twilio=None)
    service = await start(tmp_path, config, url, plan)
    db = Database(url)
    slowest, reasons = 0.0, set()
    try:
        async with httpx.AsyncClient() as client:
            pg_cluster.freeze()
            frozen = time.monotonic()
            while time.monotonic() - frozen < HANG_SECONDS:  # the fault lasts this long
                asked = time.monotonic()
                answer = await service.health(client)
                slowest = max(slowest, time.monotonic() - asked)
                assert answer is not None
                if answer[0] == 503:
                    reasons.add(answer[1]["database"]["reason"])
            pg_cluster.thaw()
            assert reasons, "503 while the database hangs"
            assert slowest < 5, f"/healthz took {slowest:.1f} s while the database hung"

            async def serving() -> bool:
                answer = await service.health(client)
                return answer is not None and answer[0] == 200 and all_ok(answer[1])

            await wait_for(serving, within=60)
        incident = await activate(db, plan)

        async def done() -> bool:
            return await settled(db, incident)

        await wait_for(done, within=60)
        result = tally(await deliveries(db, incident), service, None)
        assert result.lost == 0 and result.failed == 0, result
        pg_cluster.freeze()
        took = await service.terminate()
        code = service.process.returncode
        assert took < SHUTDOWN_SECONDS + 15, f"exit took {took:.1f} s while the database hung"
        assert code in (0, 1), service.output
    finally:
        pg_cluster.thaw()
        await db.dispose()
        if service.process.poll() is None:
            service.process.kill()
    print(
        f"\nfaults: pg-hang: healthz slowest={slowest:.2f}s reasons={sorted(reasons)}; "
        f"after resuming {result.line()}; SIGTERM while hung: exit {code} after {took:.1f}s "
        f"(shutdown_seconds={SHUTDOWN_SECONDS})"
    )
