"""The commit-signal listener survives a PostgreSQL restart: it notices the dropped LISTEN
connection, polls modestly while deaf, reopens it with backoff, and signals from other
connections reach this process again afterwards."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from beredskab.runtime.listener import Listener
from beredskab.storage import Database
from beredskab.storage.repositories.deliveries import NewDelivery
from beredskab.storage.signals import DEAF_POLL_SECONDS, deliveries_topic
from notifier.types import ChannelKind
from tests.faults.support_runtime import pg_cluster, pg_database
from tests.postgres import Cluster

__all__ = ["pg_cluster"]


async def _until(check: Callable[[], bool], within: float = 90.0) -> None:
    """Wait for a state (a generous deadline, not a timing assertion)."""
    give_up = time.monotonic() + within
    while not check():
        assert time.monotonic() < give_up, "the expected state was not reached"
        await asyncio.sleep(0.05)


async def _queue_elsewhere(url: str) -> None:
    """Queue one SMS through another connection pool (as another process would)."""
    other = Database(url)
    try:
        async with other.transaction() as tx:
            await tx.deliveries.enqueue(
                [
                    NewDelivery(
                        incident_id=None,
                        person_id="sara-lund",
                        channel=ChannelKind.SMS,
                        address="+4520000001",
                        template="test",
                        subject="s",
                        text="t",
                        short_text="t",
                    )
                ],
                now=tx.now,
            )
    finally:
        await other.dispose()


@pytest.mark.postgres
@pytest.mark.timeout(240)
async def test_listen_survives_a_postgresql_restart(pg_cluster: Cluster) -> None:
    url = pg_database(pg_cluster)
    db = Database(url)
    await db.upgrade()
    listener = Listener(db)
    stop = asyncio.Event()
    running = asyncio.create_task(listener.run(stop))
    sms = db.signals.subscribe(deliveries_topic("sms"))
    try:
        await _until(lambda: db.signals.listening)
        sms.clear()
        await _queue_elsewhere(url)
        await _until(lambda: sms.fired)

        await asyncio.to_thread(pg_cluster.restart, "fast")
        await _until(lambda: listener.opened >= 2 and db.signals.listening)
        sms.clear()
        await _queue_elsewhere(url)
        await _until(lambda: sms.fired)
    finally:
        stop.set()
        await running
        await db.dispose()
    assert not db.signals.listening


async def test_while_deaf_idle_loops_poll_modestly(db: Database) -> None:
    db.signals.listening = False
    assert db.signals.max_nap(30.0) == DEAF_POLL_SECONDS
    db.signals.listening = True
    assert db.signals.max_nap(30.0) == 30.0
