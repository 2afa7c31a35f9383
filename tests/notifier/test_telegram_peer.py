"""The fake Bot API itself, driven by the real aiogram client (the bot tests rely on it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from tests.peers.telegram_api import FakeBotApi

USER = 777


@pytest_asyncio.fixture
async def bot(fake_bot_api: FakeBotApi) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake_bot_api.base_url))
    async with Bot(token=fake_bot_api.token, session=session) as built:
        yield built


def markup(*keys: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=k, callback_data=k)] for k in keys]
    )


async def test_get_me_is_our_bot(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.username == fake_bot_api.username
    assert me.id == fake_bot_api.bot_id


async def test_wrong_token_is_unauthorized(fake_bot_api: FakeBotApi) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake_bot_api.base_url))
    async with Bot(token="1:wrong", session=session) as other:
        with pytest.raises(Exception, match="Unauthorized"):
            await other.get_me()


async def test_long_poll_wakes_on_injected_message(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await asyncio.sleep(0.05)
    assert not poll.done()
    await fake_bot_api.inject_message(USER, "/start")
    [update] = await asyncio.wait_for(poll, 60)
    assert update.message is not None
    assert update.message.text == "/start"
    assert update.message.from_user is not None
    assert update.message.from_user.id == USER
    # Without an offset the update is delivered again; with offset it is confirmed.
    assert [u.update_id for u in await bot.get_updates()] == [update.update_id]
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == []


async def test_long_poll_times_out_empty(bot: Bot) -> None:
    assert await bot.get_updates(timeout=1) == []


async def test_contact_share_arrives_as_contact(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    await fake_bot_api.inject_contact(USER, "+4512345678")
    [update] = await bot.get_updates()
    assert update.message is not None
    assert update.message.contact is not None
    assert update.message.contact.phone_number == "+4512345678"
    assert update.message.contact.user_id == USER


async def test_button_press_edit_and_answer(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    sent = await bot.send_message(chat_id=USER, text="Aktiveret", reply_markup=markup("ack:1"))
    [record] = fake_bot_api.sent
    query_id = await fake_bot_api.press_button(record, "ack:1")
    with pytest.raises(ValueError):
        await fake_bot_api.press_button(record, "nope")

    [update] = await bot.get_updates()
    query = update.callback_query
    assert query is not None
    assert (query.id, query.data, query.from_user.id) == (query_id, "ack:1", USER)
    assert await bot.answer_callback_query(query_id, text="Tak")
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query(query_id)
    assert fake_bot_api.answered_callbacks[0]["text"] == "Tak"

    edited = await bot.edit_message_text(
        chat_id=USER, message_id=sent.message_id, text="Kvitteret ✅"
    )
    assert not isinstance(edited, bool)
    assert edited.text == "Kvitteret ✅"
    assert record.text == "Kvitteret ✅"
    assert record.history == ["Aktiveret"]
    assert record.reply_markup is None
    await bot.edit_message_reply_markup(
        chat_id=USER, message_id=sent.message_id, reply_markup=markup("undo:1")
    )
    assert record.button_data == ["undo:1"]
    with pytest.raises(TelegramBadRequest, match="not modified"):
        await bot.edit_message_reply_markup(
            chat_id=USER, message_id=sent.message_id, reply_markup=markup("undo:1")
        )
    with pytest.raises(TelegramBadRequest, match="not found"):
        await bot.edit_message_text(chat_id=USER, message_id=999, text="x")


async def test_webhook_blocks_polling_until_deleted(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    assert await bot.set_webhook("https://beredskab.example/webhooks/telegram", secret_token="s")
    assert fake_bot_api.webhook is not None
    assert fake_bot_api.webhook["secret_token"] == "s"
    info = await bot.get_webhook_info()
    assert info.url == "https://beredskab.example/webhooks/telegram"
    with pytest.raises(TelegramConflictError):
        await bot.get_updates()
    with pytest.raises(TelegramBadRequest, match="HTTPS"):
        await bot.set_webhook("http://insecure.example/")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert fake_bot_api.webhook is None
    assert await bot.get_updates() == []


async def test_wait_for_sent(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    waiter = asyncio.create_task(fake_bot_api.wait_for_sent(2))
    await bot.send_message(chat_id=1, text="a")
    await asyncio.sleep(0)
    assert not waiter.done()
    await bot.send_message(chat_id=2, text="b")
    assert [m.text for m in await waiter] == ["a", "b"]


async def test_failure_for_next_calls_counts_down(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    from tests.peers.telegram_api import ApiError

    fake_bot_api.fail_next(ApiError.bad_request("nope"), times=2, methods={"sendMessage"})
    await bot.get_me()
    for _ in range(2):
        with pytest.raises(TelegramBadRequest):
            await bot.send_message(chat_id=1, text="x")
    await bot.send_message(chat_id=1, text="x")
    assert len(fake_bot_api.sent) == 1
