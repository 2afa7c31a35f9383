"""The Telegram channel against the local Bot API server, through the real aiogram client."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from notifier import wire
from notifier.channels.telegram import TelegramChannel, telegram_text
from notifier.errors import PermanentDeliveryError, TransientDeliveryError, UnknownOutcomeError
from notifier.types import Button, ChannelKind, DeliveryStatus, Message, Recipient
from tests.peers.telegram_api import ApiError, FakeBotApi

CHAT = 5551234

MESSAGE = Message(
    key="d-1",
    subject="Beredskab aktiveret",
    text="Beredskabsgruppe 2 er aktiveret: brand i blok 3. Mød op på kontoret.",
    short_text="Gruppe 2 aktiveret: brand i blok 3.",
    topic="7",
    link="https://beredskab.example/k/abc",
    buttons=(Button("Modtaget ✅", "ack:d-1"), Button("Kan ikke", "decline:d-1")),
)


@pytest_asyncio.fixture
async def channel(fake_bot_api: FakeBotApi) -> AsyncIterator[TelegramChannel]:
    """A channel whose own Bot talks to the fake Bot API."""
    built = TelegramChannel.from_token(fake_bot_api.token, api_base_url=fake_bot_api.base_url)
    yield built
    await built.aclose()


def to(chat: int = CHAT) -> Recipient:
    return Recipient(person_id="p-1", kind=ChannelKind.TELEGRAM, address=str(chat))


async def test_message_with_buttons_arrives(
    channel: TelegramChannel, fake_bot_api: FakeBotApi
) -> None:
    receipt = await channel.send(to(), MESSAGE)

    [sent] = fake_bot_api.sent_to(CHAT)
    assert receipt.provider_id == f"{CHAT}:{sent.message_id}"
    assert receipt.status is DeliveryStatus.DELIVERED
    assert sent.text == f"{MESSAGE.text}\n\nhttps://beredskab.example/k/abc"
    assert sent.button_data == ["ack:d-1", "decline:d-1"]
    labels = [row[0]["text"] for row in sent.reply_markup["inline_keyboard"]]  # type: ignore[index]
    assert labels == ["Modtaget ✅", "Kan ikke"]


async def test_message_without_buttons_has_no_keyboard(
    channel: TelegramChannel, fake_bot_api: FakeBotApi
) -> None:
    await channel.send(to(), Message(key="k", subject="s", text="Hej", short_text="Hej"))
    [sent] = fake_bot_api.sent
    assert sent.reply_markup is None
    assert sent.text == "Hej"


async def test_flood_control_is_transient_with_retry_after(
    channel: TelegramChannel, fake_bot_api: FakeBotApi
) -> None:
    fake_bot_api.fail_next(ApiError.too_many_requests(retry_after=7), methods={"sendMessage"})
    with pytest.raises(TransientDeliveryError) as caught:
        await channel.send(to(), MESSAGE)
    assert caught.value.retry_after == 7
    assert fake_bot_api.sent == []
    # The injected failure was for one call only: the retry goes through.
    await channel.send(to(), MESSAGE)
    assert len(fake_bot_api.sent) == 1


async def test_blocked_bot_is_permanent(channel: TelegramChannel, fake_bot_api: FakeBotApi) -> None:
    fake_bot_api.fail_chat(CHAT, ApiError.blocked())
    with pytest.raises(PermanentDeliveryError, match="blocked"):
        await channel.send(to(), MESSAGE)
    await channel.send(to(CHAT + 1), MESSAGE)
    assert [m.chat_id for m in fake_bot_api.sent] == [CHAT + 1]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ApiError.bad_request("chat not found"), PermanentDeliveryError),
        (ApiError(500, "Internal Server Error"), TransientDeliveryError),
        (ApiError(502, "Bad Gateway"), TransientDeliveryError),
        (ApiError(401, "Unauthorized"), PermanentDeliveryError),
    ],
)
async def test_error_mapping(
    channel: TelegramChannel,
    fake_bot_api: FakeBotApi,
    error: ApiError,
    expected: type[Exception],
) -> None:
    fake_bot_api.fail_next(error)
    with pytest.raises(expected):
        await channel.send(to(), MESSAGE)


async def test_network_error_is_transient(fake_bot_api: FakeBotApi) -> None:
    base = fake_bot_api.base_url
    await fake_bot_api.stop()
    channel = TelegramChannel.from_token(fake_bot_api.token, api_base_url=base)
    try:
        with pytest.raises(TransientDeliveryError):
            await channel.send(to(), MESSAGE)
    finally:
        await channel.aclose()


async def test_bad_address_and_oversized_button_are_permanent(channel: TelegramChannel) -> None:
    with pytest.raises(PermanentDeliveryError, match="chat id"):
        await channel.send(
            Recipient(person_id="p", kind=ChannelKind.TELEGRAM, address="@someone"), MESSAGE
        )
    long_button = Message(
        key="k", subject="s", text="t", short_text="t", buttons=(Button("x", "k" * 65),)
    )
    with pytest.raises(PermanentDeliveryError, match="64-byte"):
        await channel.send(to(), long_button)


def test_long_text_is_cut_to_telegram_limit() -> None:
    long = Message(key="k", subject="s", text="æ" * 5000, short_text="t")
    assert len(telegram_text(long)) == 4096


async def test_caller_owned_bot_is_left_open(fake_bot_api: FakeBotApi) -> None:
    owner = TelegramChannel.from_token(fake_bot_api.token, api_base_url=fake_bot_api.base_url)
    borrower = TelegramChannel(owner.bot)
    await borrower.send(to(), MESSAGE)
    await borrower.aclose()
    await owner.bot.get_me()  # still usable
    await owner.aclose()
    await owner.aclose()
    assert len(fake_bot_api.sent) == 1


@pytest.mark.parametrize("recorded", [True, False])
async def test_connection_reset_is_retried_and_the_next_send_works(
    channel: TelegramChannel, fake_bot_api: FakeBotApi, recorded: bool
) -> None:
    fake_bot_api.reset(1, recorded=recorded)
    with pytest.raises((TransientDeliveryError, UnknownOutcomeError)):
        await channel.send(to(), MESSAGE)
    assert fake_bot_api.resets == 1 and len(fake_bot_api.sent) == int(recorded)
    receipt = await channel.send(to(), MESSAGE)
    assert receipt.provider_id == f"{CHAT}:{fake_bot_api.sent[-1].message_id}"


async def test_the_pacer_hears_when_a_message_leaves(
    channel: TelegramChannel, fake_bot_api: FakeBotApi
) -> None:
    """The session reports when the request is written (``notifier.wire``), so pacing
    counts the send from the moment Telegram gets it, not from when it was allowed."""
    stamps: list[float] = []
    before = time.monotonic()
    with wire.stamping(lambda: stamps.append(time.monotonic())):
        await channel.send(to(), MESSAGE)
    after = time.monotonic()
    await channel.send(to(), MESSAGE)  # outside a paced block: nobody to tell, nothing breaks
    assert len(fake_bot_api.sent_to(CHAT)) == 2
    assert stamps and before <= stamps[0] <= stamps[-1] <= after


async def test_certificates_are_loaded_when_channels_are_built_not_when_one_sends(
    fake_bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading the certificate store takes 20-45 ms of the event loop: it happens once per
    process, when the first channel is built at start, and no send waits for it."""
    import ssl

    from notifier.channels import telegram

    loads: list[object] = []
    real = ssl.create_default_context

    def counted(**kw: Any) -> ssl.SSLContext:
        loads.append(kw)
        return real(**kw)

    monkeypatch.setattr(ssl, "create_default_context", counted)
    telegram._tls_context.cache_clear()
    built = [
        TelegramChannel.from_token(fake_bot_api.token, api_base_url=fake_bot_api.base_url)
        for _ in range(2)
    ]
    try:
        assert len(loads) == 1
        for channel in built:
            await channel.send(to(), MESSAGE)
        assert len(loads) == 1
    finally:
        for channel in built:
            await channel.aclose()
        telegram._tls_context.cache_clear()
