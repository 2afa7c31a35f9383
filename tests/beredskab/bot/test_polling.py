"""Long polling through the inbox: updates are stored before Telegram is told, handled once
even when fetched again, Telegram's errors back off and resume, and stop is prompt."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from beredskab.app import App
from beredskab.bot import POLL_SECONDS, run_polling
from beredskab.plan import Plan
from beredskab.storage import Database
from notifier.channels.telegram import TelegramChannel
from notifier.types import ChannelKind
from tests.beredskab.bot.conftest import SARA, Harness, build_app, close_channels
from tests.e2e.service import wait_for
from tests.peers.telegram_api import ApiError, FakeBotApi
from tests.postgres import free_port


class Running:
    """The poller and the inbox loop, started and stopped by the test."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.stop = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        telegram = self.app.channels[ChannelKind.TELEGRAM]
        assert isinstance(telegram, TelegramChannel)
        self.tasks = [
            asyncio.create_task(run_polling(self.app, telegram.bot, self.stop)),
            asyncio.create_task(self.app.inbox.run(self.stop)),
        ]

    async def halt(self) -> None:
        self.stop.set()
        await asyncio.gather(*self.tasks)


@pytest.fixture
async def running(bot_app: App) -> AsyncIterator[Running]:
    service = Running(bot_app)
    yield service
    await service.halt()


def _polls(api: FakeBotApi) -> list[dict[str, Any]]:
    return [c.params for c in api.calls if c.method == "getupdates"]


async def test_telegram_errors_back_off_and_polling_resumes(
    running: Running, fake_bot_api: FakeBotApi
) -> None:
    await Harness(running.app, fake_bot_api).link(SARA)
    conflict = ApiError(409, "Conflict: terminated by other getUpdates request")
    fake_bot_api.fail_next(conflict, methods={"getUpdates"})
    fake_bot_api.fail_next(ApiError(502, "Bad Gateway"), methods={"getUpdates"})
    fake_bot_api.fail_next(ApiError.too_many_requests(retry_after=1), methods={"getUpdates"})
    await fake_bot_api.inject_message(SARA, "/hjaelp")
    running.start()
    await fake_bot_api.wait_for(lambda: bool(fake_bot_api.sent_to(SARA)), within=60)
    assert len(_polls(fake_bot_api)) >= 4  # three refused, then the update
    assert not running.tasks[0].done()


async def test_an_update_fetched_again_is_handled_once(
    running: Running, fake_bot_api: FakeBotApi
) -> None:
    """After a crash between storing and confirming, Telegram sends the update again."""
    await Harness(running.app, fake_bot_api).link(SARA)
    update = await fake_bot_api.inject_message(SARA, "/hjaelp")
    assert await running.app.inbox.receive(
        source="telegram", provider_id=str(update["update_id"]), payload=update
    )
    running.start()  # the stored update is handled from the inbox ...
    await fake_bot_api.wait_for(lambda: bool(fake_bot_api.sent_to(SARA)), within=60)
    # ... and the same update, fetched again (unconfirmed), is confirmed but not handled.
    await wait_for(lambda: any(p.get("offset") == "2" for p in _polls(fake_bot_api)))
    await fake_bot_api.inject_message(SARA, "/hjaelp")
    await fake_bot_api.wait_for(lambda: len(fake_bot_api.sent_to(SARA)) >= 2, within=60)
    await wait_for(lambda: any(p.get("offset") == "3" for p in _polls(fake_bot_api)))
    assert len(fake_bot_api.sent_to(SARA)) == 2  # one answer per distinct update


async def test_updates_are_confirmed_only_once_stored(
    running: Running, fake_bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    await Harness(running.app, fake_bot_api).link(SARA)
    inbox = running.app.inbox
    real_receive = inbox.receive
    refusals = []

    async def failing_once(**event: Any) -> bool:
        if not refusals:
            refusals.append(event["provider_id"])
            raise OSError("disk full")  # neither database nor spool took it
        return await real_receive(**event)

    monkeypatch.setattr(inbox, "receive", failing_once)
    await fake_bot_api.inject_message(SARA, "/hjaelp")
    running.start()
    await fake_bot_api.wait_for(lambda: bool(fake_bot_api.sent_to(SARA)), within=60)
    offsets = [p.get("offset") for p in _polls(fake_bot_api)]
    assert refusals == ["1"]
    assert offsets[:2] == [None, None]  # not confirmed after the failure: fetched again


async def test_stop_cancels_the_long_poll(running: Running, fake_bot_api: FakeBotApi) -> None:
    running.start()
    await wait_for(lambda: any(p.get("timeout") == str(POLL_SECONDS) for p in _polls(fake_bot_api)))
    started = time.monotonic()
    await running.halt()
    took = time.monotonic() - started
    assert took < POLL_SECONDS / 2, took
    print(f"polling: stopped {took:.2f}s into a {POLL_SECONDS}s long poll")


async def test_updates_polled_while_the_database_is_down_are_spooled_then_handled(
    bot_app: App, fake_bot_api: FakeBotApi, plan: Plan, tmp_path: Path
) -> None:
    """Confirmed to Telegram once spooled; handled once the database is back."""
    await Harness(bot_app, fake_bot_api).link(SARA)
    unreachable = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/gone")
    down = build_app(unreachable, plan, fake_bot_api, tmp_path)  # same data_dir: same spool
    polling = Running(down)
    polling.stop = asyncio.Event()
    telegram = down.channels[ChannelKind.TELEGRAM]
    assert isinstance(telegram, TelegramChannel)
    task = asyncio.create_task(run_polling(down, telegram.bot, polling.stop))
    try:
        for _ in range(3):
            await fake_bot_api.inject_message(SARA, "/hjaelp")
        await wait_for(lambda: any(p.get("offset") == "4" for p in _polls(fake_bot_api)))
        assert down.inbox.spool.count() == 3  # confirmed to Telegram because spooled
    finally:
        polling.stop.set()
        await task
        await close_channels(down)
        await unreachable.dispose()
    assert not fake_bot_api.sent_to(SARA)

    # The database is back: the replayer moves the updates in, the inbox handles each once.
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(bot_app.inbox.replayer.run(stop)),
        asyncio.create_task(bot_app.inbox.run(stop)),
    ]
    try:
        await fake_bot_api.wait_for(lambda: len(fake_bot_api.sent_to(SARA)) >= 3, within=60)
        await wait_for(lambda: bot_app.inbox.spool.count() == 0)

        async def handled() -> bool:
            async with bot_app.db.transaction() as tx:
                return not await tx.inbox.pending()

        await wait_for(handled)
        async with bot_app.db.transaction() as tx:
            assert [(await tx.inbox.get(n)) is not None for n in (1, 2, 3, 4)] == [
                True,
                True,
                True,
                False,
            ]
        assert len(fake_bot_api.sent_to(SARA)) == 3
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def test_a_polled_update_that_cannot_be_stored_is_skipped_not_retried(
    running: Running, fake_bot_api: FakeBotApi
) -> None:
    """As the webhook answers 400: an update with NUL is neither stored nor handled, and the
    poller moves past it (Telegram would otherwise hand it out forever)."""
    await Harness(running.app, fake_bot_api).link(SARA)
    bad = await fake_bot_api.inject_message(SARA, "/log ild\x00ved blok 3")
    good = await fake_bot_api.inject_message(SARA, "/hjaelp")
    running.start()
    await fake_bot_api.wait_for(lambda: bool(fake_bot_api.sent_to(SARA)), within=60)
    async with running.app.db.engine.connect() as conn:
        query = text("SELECT provider_id FROM inbound WHERE source = 'telegram'")
        stored = set((await conn.execute(query)).scalars())
    assert str(good["update_id"]) in stored
    assert str(bad["update_id"]) not in stored
    assert any(int(p.get("offset", 0)) > good["update_id"] for p in _polls(fake_bot_api))
