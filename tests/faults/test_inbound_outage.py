"""Fault test: inbound SMS replies keep being accepted while the database is away.

A real `beredskab serve` runs an active incident; a stream of signed "OK" replies from its
participants keeps arriving while PostgreSQL is restarted and then stopped for 10 s (and, on
SQLite, while another process holds the write lock past the busy timeout). Checked: every
reply is answered 200; once the database is back every reply is in the inbox exactly once and
processed, the spool is empty, every participant's confirmation is applied exactly once, and
the same process is still serving (no restart).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from beredskab.models import ConfirmationStatus, EntryKind
from beredskab.plan import Plan
from beredskab.storage import Database, is_transient
from tests.e2e.service import service_env, wait_for, write_config
from tests.faults.support_inbound import Serve, post_sms, start_serve
from tests.peers.smtp import SmtpPeer
from tests.peers.twilio_recording import RecordingTwilio, recording_twilio
from tests.postgres import (
    REQUIRE_ENV,
    Cluster,
    create_database,
    find_bindir,
    free_port,
    running_cluster,
)

__all__ = ["recording_twilio"]

POLICE, POLICE_PHONE, PIN = "kim-holm", "+4520100001", "4711"
STOP_SECONDS = 10.0
REPLY_INTERVAL = 0.05
"""Seconds between replies (about 20 a second, one sender)."""


@dataclass
class Replies:
    """A stream of signed "OK" replies from the participants, until stopped."""

    client: httpx.AsyncClient
    base_url: str
    phones: list[str]
    sent: list[str] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)
    slowest: float = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        for n in itertools.count():
            if stop.is_set():
                return
            sid = f"SM{n:032x}"
            started = time.monotonic()
            status = await post_sms(
                self.client, self.base_url, self.phones[n % len(self.phones)], "OK", sid
            )
            self.slowest = max(self.slowest, time.monotonic() - started)
            self.sent.append(sid)
            if status != 200:
                self.refused.append((sid, status))
            await asyncio.sleep(REPLY_INTERVAL)  # the stream's pace, not a wait for state

    async def more(self, count: int) -> None:
        """Wait until ``count`` more replies were sent."""
        target = len(self.sent) + count
        await wait_for(lambda: len(self.sent) >= target, within=120)


@dataclass
class Watch:
    """Polls /healthz during the faults: the most events seen spooled, and every status."""

    serve: Serve
    client: httpx.AsyncClient
    most_spooled: int = 0
    statuses: Counter[int] = field(default_factory=Counter)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            status, health = await self.serve.health(self.client)
            self.statuses[status] += 1
            self.most_spooled = max(self.most_spooled, int(health.get("inbound_spooled", 0)))
            await asyncio.sleep(0.2)  # sampling pace


async def _participants(db: Database, plan: Plan) -> list[str]:
    """Phones of the people asked to confirm incident 1 (not the activating officer)."""
    async with db.transaction() as tx:
        asked = await tx.incidents.confirmations(1)
    phones = []
    for confirmation in asked:
        person = plan.directory.person(confirmation.person_id)
        if person is not None and person.phone and person.id != POLICE:
            phones.append(person.phone)
    return phones


async def _activate(serve: Serve, db: Database, plan: Plan, client: httpx.AsyncClient) -> list[str]:
    await asyncio.to_thread(serve.cli, "pin", "set", POLICE, "--pin-stdin", stdin=PIN + "\n")
    sid = "SM" + "a" * 32
    assert (
        await post_sms(
            client, serve.base_url, POLICE_PHONE, f"AKTIVER 2 {PIN} JOURNAL 3700-1 Brand", sid
        )
        == 200
    )

    async def asked() -> bool:
        try:
            return len(await _participants(db, plan)) >= 3
        except Exception:  # the service may still be creating the schema
            return False

    await wait_for(asked, within=60)
    return await _participants(db, plan)


async def _check_everything_arrived_once(
    db: Database, plan: Plan, replies: Replies, serve: Serve, client: httpx.AsyncClient
) -> None:
    sent = set(replies.sent)

    async def all_processed() -> bool:
        try:
            async with db.engine.connect() as conn:
                rows = (
                    await conn.execute(
                        text(
                            "SELECT provider_id, processed_at FROM inbound "
                            "WHERE source = 'twilio-sms'"
                        )
                    )
                ).all()
        except Exception as error:  # the test's own pooled connection died with the restart
            if not is_transient(error):
                raise
            return False
        stored = Counter(r[0] for r in rows)
        assert max(stored.values()) == 1  # the inbox's unique key: never twice
        done = {r[0] for r in rows if r[1] is not None}
        status, health = await serve.health(client)
        return sent <= done and status == 200 and health.get("inbound_spooled") == 0

    await wait_for(all_processed, within=180)
    async with db.transaction() as tx:
        confirmations = await tx.incidents.confirmations(1)
        log = await tx.log.list(1)
    phones = set(replies.phones)
    repliers = {
        c.person_id
        for c in confirmations
        if (p := plan.directory.person(c.person_id)) is not None and p.phone in phones
    }
    assert repliers and all(
        c.status is ConfirmationStatus.CONFIRMED for c in confirmations if c.person_id in repliers
    )
    confirmed = Counter(e.actor for e in log if e.kind is EntryKind.CONFIRMED)
    assert {p: confirmed[p] for p in repliers} == dict.fromkeys(repliers, 1)


@pytest.fixture
async def pg() -> AsyncIterator[Cluster]:
    if find_bindir() is None:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{REQUIRE_ENV} is set but PostgreSQL binaries were not found")
        pytest.skip(f"PostgreSQL binaries not installed (set {REQUIRE_ENV}=1 to fail instead)")
    with running_cluster() as cluster:
        yield cluster


@pytest.mark.timeout(420)
async def test_replies_survive_a_postgresql_restart_and_a_10s_stop(
    tmp_path: Path,
    pg: Cluster,
    recording_twilio: RecordingTwilio,
    smtp_peer: SmtpPeer,
    plan: Plan,
) -> None:
    create_database(pg.url, "inbound")
    url = f"{pg.url}/inbound"
    config = write_config(
        tmp_path,
        port=free_port(),
        twilio_url=recording_twilio.base_url,
        smtp=smtp_peer,
        extra=f'[database]\nurl = "{url}"\n',
    )
    serve = await start_serve(tmp_path, config, service_env())
    db = Database(url)
    stop = asyncio.Event()
    try:
        async with httpx.AsyncClient() as client:
            replies = Replies(client, serve.base_url, await _activate(serve, db, plan, client))
            watch = Watch(serve, client)
            tasks = [asyncio.create_task(replies.run(stop)), asyncio.create_task(watch.run(stop))]
            try:
                await replies.more(40)
                began = time.monotonic()
                await asyncio.to_thread(pg.restart)
                restart = time.monotonic() - began
                await replies.more(40)
                await asyncio.to_thread(pg.stop)
                stopped_at = time.monotonic()
                during = len(replies.sent)
                await wait_for(lambda: time.monotonic() - stopped_at >= STOP_SECONDS, within=60)
                during = len(replies.sent) - during
                await asyncio.to_thread(pg.start)
                down = time.monotonic() - stopped_at
                await replies.more(40)
            finally:
                stop.set()
                await asyncio.gather(*tasks)
            assert replies.refused == [], replies.refused[:5]
            assert serve.alive(), serve.output()[-3000:]
            await _check_everything_arrived_once(db, plan, replies, serve, client)
            assert watch.statuses[503] > 0  # /healthz told the truth while the database was down
        print(
            f"faults: inbound pg-restart+stop: replies={len(replies.sent)} answered200="
            f"{len(replies.sent) - len(replies.refused)} lost=0 dup=0 "
            f"restart_down={restart:.1f}s stop_down={down:.1f}s replies_during_stop={during} "
            f"most_spooled={watch.most_spooled} slowest_answer={replies.slowest:.2f}s "
            "service_restarts=0"
        )
        assert watch.most_spooled > 0  # the spool really carried the outage
    finally:
        stop.set()
        await db.dispose()
        assert await serve.stop() == 0, serve.output()[-3000:]


@pytest.mark.timeout(420)
async def test_replies_survive_a_sqlite_lock_past_the_busy_timeout(
    tmp_path: Path, recording_twilio: RecordingTwilio, smtp_peer: SmtpPeer, plan: Plan
) -> None:
    config = write_config(
        tmp_path, port=free_port(), twilio_url=recording_twilio.base_url, smtp=smtp_peer
    )
    serve = await start_serve(tmp_path, config, service_env())
    path = tmp_path / "var" / "beredskab.sqlite3"
    db = Database(f"sqlite+aiosqlite:///{path}")
    stop = asyncio.Event()
    lock_seconds = 35.0  # past the 30 s busy timeout
    try:
        async with httpx.AsyncClient() as client:
            replies = Replies(client, serve.base_url, await _activate(serve, db, plan, client))
            watch = Watch(serve, client)
            tasks = [asyncio.create_task(replies.run(stop)), asyncio.create_task(watch.run(stop))]
            try:
                await replies.more(40)
                holder = sqlite3.connect(path, isolation_level=None, timeout=60)
                holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
                locked_at = time.monotonic()
                during = len(replies.sent)
                await wait_for(lambda: time.monotonic() - locked_at >= lock_seconds, within=120)
                during = len(replies.sent) - during
                holder.execute("ROLLBACK")
                holder.close()
                await replies.more(40)
            finally:
                stop.set()
                await asyncio.gather(*tasks)
            assert replies.refused == [], replies.refused[:5]
            assert serve.alive(), serve.output()[-3000:]
            await _check_everything_arrived_once(db, plan, replies, serve, client)
        print(
            f"faults: inbound sqlite-lock: replies={len(replies.sent)} answered200="
            f"{len(replies.sent) - len(replies.refused)} lost=0 dup=0 lock={lock_seconds:.0f}s "
            f"replies_during_lock={during} most_spooled={watch.most_spooled} "
            f"slowest_answer={replies.slowest:.2f}s service_restarts=0"
        )
        assert watch.most_spooled > 0
    finally:
        stop.set()
        await db.dispose()
        assert await serve.stop() == 0, serve.output()[-3000:]
