"""Long polling through the inbox: updates are stored before Telegram is told, handled once
even when fetched again, Telegram's errors back off and resume, and stop is prompt."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from beredskab.app import App
from beredskab.bot import POLL_SECONDS, run_polling
from notifier.channels.telegram import TelegramChannel
from notifier.types import ChannelKind
from tests.beredskab.bot.conftest import SARA, Harness
from tests.e2e.service import wait_for
from tests.peers.telegram_api import ApiError, FakeBotApi


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
