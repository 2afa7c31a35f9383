"""The inbox through database outages: events are spooled when the database cannot take them,
replayed exactly once when it is back, the processing loop heals, and two instances never
handle one event twice."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from beredskab.app import App
from beredskab.delivery.outbox import Outbox
from beredskab.inbound import inbox as inbox_module
from beredskab.inbound.inbox import Inbox
from beredskab.plan import Plan
from beredskab.settings import OutboxSettings, ServiceSettings, Settings
from beredskab.storage import Database, Tx
from notifier.base import Channel
from notifier.channels.console import ConsoleChannel
from notifier.types import ChannelKind
from tests.e2e.service import wait_for
from tests.postgres import free_port


def make_app(db: Database, plan: Plan, data_dir: Path) -> App:
    """An App on ``db`` with console channels and its spool under ``data_dir``."""
    console = ConsoleChannel(data_dir / "outbox.jsonl", echo=None)
    channels: dict[ChannelKind, Channel] = {kind: console for kind in ChannelKind}
    outbox = Outbox(db=db, channels=channels, settings=OutboxSettings())
    settings = Settings(service=ServiceSettings(data_dir=data_dir))
    return App(settings=settings, plan=plan, db=db, channels=channels, outbox=outbox)


@pytest.fixture
async def unreachable() -> AsyncIterator[Database]:
    """A PostgreSQL URL nobody listens on: every connection is refused."""
    database = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/gone")
    yield database
    await database.dispose()


def sms(sid: str, body: str = "HJÆLP") -> dict[str, Any]:
    return {"MessageSid": sid, "From": "+4520100001", "To": "+4570201234", "Body": body}


async def stored(db: Database) -> list[tuple[str, str]]:
    """(source, provider id) of every inbox row, in order."""
    rows = []
    async with db.transaction() as tx:
        for event_id in range(1, 100):
            event = await tx.inbox.get(event_id)
            if event is not None:
                rows.append((event.source, event.provider_id))
    return rows


async def test_events_are_spooled_while_the_database_is_away_and_replayed_once(
    db: Database, unreachable: Database, plan: Plan, tmp_path: Path
) -> None:
    down = make_app(unreachable, plan, tmp_path)
    for sid in ("SM1", "SM2", "SM3"):
        assert await down.inbox.receive(source="twilio-sms", provider_id=sid, payload=sms(sid))
    assert not await down.inbox.receive(source="twilio-sms", provider_id="SM2", payload=sms("SM2"))
    assert down.inbox.spool.count() == 3

    # The service restarts with the database back; SM1 reached the database after all
    # (a late write), so replaying it must not store it twice.
    up = make_app(db, plan, tmp_path)
    assert await up.inbox.receive(source="twilio-sms", provider_id="SM1", payload=sms("SM1"))
    assert await up.inbox.replayer.drain() == 3
    assert up.inbox.spool.count() == 0
    assert await stored(db) == [("twilio-sms", "SM1"), ("twilio-sms", "SM2"), ("twilio-sms", "SM3")]
    assert await up.inbox.process_pending() == 3
    assert await up.inbox.process_pending() == 0


async def test_a_sqlite_lock_past_the_store_timeout_spools_and_replays(
    plan: Plan, tmp_path: Path
) -> None:
    path = tmp_path / "locked.sqlite3"
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.upgrade()
    app = make_app(db, plan, tmp_path)
    app.inbox = Inbox(app, store_timeout=0.3)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    stop = asyncio.Event()
    tasks = [asyncio.create_task(app.inbox.replayer.run(stop))]
    try:
        assert await app.inbox.receive(source="twilio-sms", provider_id="A", payload=sms("A"))
        assert await app.inbox.receive(source="twilio-sms", provider_id="B", payload=sms("B"))
        assert app.inbox.spool.count() >= 1
        holder.execute("ROLLBACK")
        tasks.append(asyncio.create_task(app.inbox.run(stop)))

        async def all_processed() -> bool:
            async with db.transaction() as tx:
                pending = await tx.inbox.pending()
            return (
                not pending
                and app.inbox.spool.count() == 0
                and not app.inbox._stragglers
                and len(await stored(db)) == 2
            )

        await wait_for(all_processed, within=60)
        assert await stored(db) == [("twilio-sms", "A"), ("twilio-sms", "B")]
        # The spool is drained: the next event goes straight to the database again.
        assert await app.inbox.receive(source="twilio-sms", provider_id="C", payload=sms("C"))
        assert app.inbox.spool.count() == 0
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        holder.close()
        app.inbox.spool.close()
        await db.dispose()


async def test_the_loop_outlives_an_unreachable_database(
    unreachable: Database, plan: Plan, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(unreachable, plan, tmp_path)
    stop = asyncio.Event()
    loops = [
        asyncio.create_task(app.inbox.run(stop)),
        asyncio.create_task(app.inbox.replayer.run(stop)),
    ]
    assert await app.inbox.receive(source="telegram", provider_id="1", payload={"update_id": 1})

    def warned(what: str) -> bool:
        return any(what in r.getMessage() for r in caplog.records if r.levelname == "WARNING")

    await wait_for(lambda: warned("inbox processing") and warned("spool replay"), within=30)
    assert not any(loop.done() for loop in loops)
    health = app.board.snapshot()  # /healthz shows both loops degraded, with the reason
    for name in ("inbox.processing", "spool.replay", "inbox.store"):
        assert health[name].state == "degraded", (name, health)
        assert health[name].reason
    stop.set()
    await asyncio.gather(*loops)  # they end on stop, without an error
    assert app.inbox.spool.count() == 1  # still waiting for the database
    messages = [r.getMessage() for r in caplog.records if "inbox processing" in r.getMessage()]
    assert len(messages) == 1, messages  # logged once per outage, not once per retry


@pytest.mark.parametrize("in_transaction", [False, True], ids=["own", "in-transaction"])
async def test_two_instances_never_handle_one_event_twice(
    db_url: str, plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_transaction: bool
) -> None:
    """Both ways of applying: a handler with transactions of its own (run while the event's
    claim is held) and one applied in the claiming transaction (an SMS "OK")."""
    if not db_url.startswith("postgresql"):
        pytest.skip("several instances need PostgreSQL (SQLite allows one serve)")
    handled: Counter[str] = Counter()

    async def slow_handler(app: App, payload: dict[str, Any]) -> str:
        handled[str(payload["MessageSid"])] += 1
        await asyncio.sleep(0.005)  # a handler takes a moment: the instances overlap
        return "handled"

    async def slow_in_tx(app: App, tx: Tx, payloads: Sequence[dict[str, Any]]) -> list[str]:
        return [await slow_handler(app, payload) for payload in payloads]

    monkeypatch.setitem(inbox_module.HANDLERS, "twilio-sms", slow_handler)  # type: ignore[index]
    monkeypatch.setattr(
        inbox_module, "_in_transaction", lambda *_: slow_in_tx if in_transaction else None
    )
    first, second = Database(db_url), Database(db_url)
    await first.upgrade()
    try:
        apps = [make_app(first, plan, tmp_path / "a"), make_app(second, plan, tmp_path / "b")]
        for n in range(40):
            sid = f"SM{n}"
            await apps[n % 2].inbox.receive(source="twilio-sms", provider_id=sid, payload=sms(sid))
        await asyncio.gather(*(app.inbox.process_pending() for app in apps))
        await asyncio.gather(*(app.inbox.process_pending() for app in apps))
        assert sorted(handled) == sorted(f"SM{n}" for n in range(40))
        assert set(handled.values()) == {1}
    finally:
        await first.dispose()
        await second.dispose()


@pytest.fixture(autouse=True)
def _info_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
