"""Webhook mode: updates fed one by one to fresh dispatchers; dialogue state in the database.
`serve` shares one dispatcher, built once, across every update of its inbox."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from aiogram import Bot
from aiogram.fsm.storage.base import StorageKey
from pydantic import SecretStr

from beredskab.app import App
from beredskab.bot import feed_update, set_webhook
from beredskab.bot.storage import DatabaseStorage
from beredskab.errors import ConfigError
from beredskab.settings import ServiceSettings, Settings, TelegramSettings
from beredskab.storage import Database
from notifier.channels.telegram import TelegramChannel
from notifier.types import ChannelKind
from tests.beredskab.bot.conftest import POLICE_USER, labels
from tests.peers.telegram_api import FakeBotApi, SentMessage


def _bot(app: App) -> Bot:
    channel = app.channels[ChannelKind.TELEGRAM]
    assert isinstance(channel, TelegramChannel)
    return channel.bot


async def _deliver_pending(app: App, bot: Bot, offset: int) -> int:
    """What Telegram would POST to the webhook: every pending update, each on its own."""
    for update in await bot.get_updates(offset=offset):
        raw: dict[str, Any] = update.model_dump(mode="json", exclude_none=True, by_alias=True)
        await feed_update(app, bot, raw)
        offset = update.update_id + 1
    return offset


async def test_a_dialogue_continues_across_webhook_updates(
    bot_app: App, fake_bot_api: FakeBotApi
) -> None:
    bot = _bot(bot_app)
    async with bot_app.db.transaction() as tx:
        await tx.people.link_telegram(
            "kim-holm", user_id=POLICE_USER, chat_id=POLICE_USER, now=tx.now
        )
    await fake_bot_api.inject_message(POLICE_USER, "/aktiver")
    offset = await _deliver_pending(bot_app, bot, 0)
    [choose] = fake_bot_api.sent_to(POLICE_USER)
    await fake_bot_api.press_button(choose, choose.button_data[0])
    offset = await _deliver_pending(bot_app, bot, offset)
    await fake_bot_api.inject_message(POLICE_USER, "Skud affyret")
    await _deliver_pending(bot_app, bot, offset)
    zones: SentMessage = fake_bot_api.sent_to(POLICE_USER)[-1]
    assert zones.text == "Hvilken zone?" and "Zone 1" in labels(zones)
    assert fake_bot_api.answered_callbacks  # the group button was answered


async def test_serve_handles_every_update_with_the_one_dispatcher_it_built_at_start(
    bot_app: App, fake_bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building a dispatcher takes about 10 ms, which each update used to pay: `serve` builds
    one before it is ready (``App.warm_up``) and the inbox hands every update to it; the
    dialogue continues across updates as before."""
    import beredskab.bot as telegram

    built: list[object] = []
    real = telegram.build_dispatcher

    def counted(app: Any) -> Any:
        built.append(app)
        return real(app)

    monkeypatch.setattr(telegram, "build_dispatcher", counted)
    bot_app.warm_up()
    assert len(built) == 1
    bot = _bot(bot_app)

    async def through_the_inbox(offset: int) -> int:
        for update in await bot.get_updates(offset=offset):
            raw = update.model_dump(mode="json", exclude_none=True, by_alias=True)
            await bot_app.inbox.receive(
                source="telegram", provider_id=str(update.update_id), payload=raw
            )
            offset = update.update_id + 1
        while await bot_app.inbox.process_pending():
            pass
        return offset

    async with bot_app.db.transaction() as tx:
        await tx.people.link_telegram(
            "kim-holm", user_id=POLICE_USER, chat_id=POLICE_USER, now=tx.now
        )
    await fake_bot_api.inject_message(POLICE_USER, "/aktiver")
    offset = await through_the_inbox(0)
    [choose] = fake_bot_api.sent_to(POLICE_USER)
    await fake_bot_api.press_button(choose, choose.button_data[0])
    offset = await through_the_inbox(offset)
    await fake_bot_api.inject_message(POLICE_USER, "Skud affyret")
    await through_the_inbox(offset)
    zones: SentMessage = fake_bot_api.sent_to(POLICE_USER)[-1]
    assert zones.text == "Hvilken zone?" and "Zone 1" in labels(zones)
    assert built == [bot_app]  # three updates, no dispatcher built for any of them


async def test_database_storage_keeps_state_and_data_per_key(db: Database) -> None:
    key = StorageKey(bot_id=1, chat_id=2, user_id=3)
    other = dataclasses.replace(key, user_id=4)
    await DatabaseStorage(db).set_state(key, "Activate:zone")
    await DatabaseStorage(db).update_data(key, {"playbook": "gruppe-2", "zone": 3})
    fresh = DatabaseStorage(db)
    assert await fresh.get_state(key) == "Activate:zone"
    assert await fresh.get_data(key) == {"playbook": "gruppe-2", "zone": 3}
    assert (await fresh.get_state(other), await fresh.get_data(other)) == (None, {})
    await fresh.set_state(key, None)
    await fresh.set_data(key, {})
    assert (await fresh.get_state(key), await fresh.get_data(key)) == (None, {})


async def test_set_webhook_points_telegram_at_the_service_with_the_secret(
    bot_app: App, fake_bot_api: FakeBotApi
) -> None:
    settings = Settings(
        service=ServiceSettings(public_base_url="https://beredskab.example.org/"),
        telegram=TelegramSettings(mode="webhook", webhook_secret=SecretStr("s3cret-token")),
    )
    await set_webhook(dataclasses.replace(bot_app, settings=settings), _bot(bot_app))
    assert fake_bot_api.webhook is not None
    assert fake_bot_api.webhook["url"] == "https://beredskab.example.org/webhooks/telegram"
    assert fake_bot_api.webhook["secret_token"] == "s3cret-token"
    assert set(fake_bot_api.webhook["allowed_updates"]) == {"message", "callback_query"}


async def test_webhook_mode_without_a_secret_is_refused(bot_app: App) -> None:
    with pytest.raises(ConfigError, match="webhook_secret"):
        await set_webhook(bot_app, _bot(bot_app))
