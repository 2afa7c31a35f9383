"""Telegram through aiogram: a text message with an inline keyboard of the message's buttons."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    AiogramError,
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from notifier.errors import (
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnknownOutcomeError,
    stray_cancellation,
)
from notifier.types import Button, ChannelKind, DeliveryStatus, Message, Receipt, Recipient

MAX_TEXT = 4096
MAX_CALLBACK_DATA_BYTES = 64


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """One button per row, ``callback_data`` = the button's opaque key (≤ 64 bytes)."""
    if not buttons:
        return None
    for button in buttons:
        if len(button.key.encode()) > MAX_CALLBACK_DATA_BYTES:
            raise PermanentDeliveryError(
                f"button key {button.key!r} is longer than Telegram's 64-byte callback_data"
            )
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=b.label, callback_data=b.key)] for b in buttons]
    )


def telegram_text(message: Message) -> str:
    """The full text plus the link when the text does not already carry it, within 4096."""
    text = message.text
    if message.link and message.link not in text:
        text = f"{text}\n\n{message.link}"
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    return text


def map_error(error: AiogramError) -> DeliveryError:
    """Translate an aiogram error into the notifier's typed errors."""
    if isinstance(error, TelegramRetryAfter):
        return TransientDeliveryError(
            f"Telegram flood control: {error.message}", retry_after=float(error.retry_after)
        )
    if isinstance(error, TelegramForbiddenError):
        return PermanentDeliveryError(f"Telegram refused (bot blocked?): {error.message}")
    if isinstance(error, TelegramUnauthorizedError):
        return PermanentDeliveryError(f"Telegram rejected the bot token: {error.message}")
    if isinstance(error, TelegramMigrateToChat):
        return PermanentDeliveryError(
            f"Telegram chat moved to {error.migrate_to_chat_id}: {error.message}"
        )
    if isinstance(error, TelegramBadRequest | TelegramNotFound | TelegramEntityTooLarge):
        return PermanentDeliveryError(f"Telegram rejected the message: {error.message}")
    if isinstance(error, TelegramServerError | TelegramNetworkError):
        return TransientDeliveryError(f"Telegram unreachable: {error.message}")
    if isinstance(error, ClientDecodeError):
        return UnknownOutcomeError(f"Telegram answer not understood: {error}")
    if isinstance(error, TelegramAPIError):
        return TransientDeliveryError(f"Telegram error: {error.message}")
    return PermanentDeliveryError(f"aiogram error: {error}")


class TelegramChannel:
    """Sends ``message.text`` (plus link) with inline buttons to ``int(recipient.address)``.

    The receipt is DELIVERED (the message is in the chat once the API accepted it); its
    provider id is ``"<chat_id>:<message_id>"`` (message ids are per chat).
    The ``Bot`` is usually shared with the bot's dispatcher, so it is closed by ``aclose``
    only when ``close_bot`` is true (as with ``from_token``).
    """

    name: ClassVar[str] = "telegram"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset({ChannelKind.TELEGRAM})
    max_rate_per_second: ClassVar[float] = 30.0
    max_rate_per_chat_per_second: ClassVar[float] = 1.0
    max_text_length: ClassVar[int] = MAX_TEXT

    def __init__(self, bot: Bot, *, close_bot: bool = False) -> None:
        self.bot = bot
        self._close_bot = close_bot

    @classmethod
    def from_token(
        cls, token: str, *, api_base_url: str | None = None, timeout: float = 30.0
    ) -> TelegramChannel:
        """Build a channel that owns its ``Bot`` (``api_base_url`` for a local Bot API)."""
        api = TelegramAPIServer.from_base(api_base_url) if api_base_url else None
        session = (
            AiohttpSession(api=api, timeout=timeout) if api else AiohttpSession(timeout=timeout)
        )
        return cls(Bot(token=token, session=session), close_bot=True)

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        """Send one message; raise a typed delivery error on failure."""
        try:
            chat_id = int(recipient.address)
        except ValueError as error:
            raise PermanentDeliveryError(
                f"{recipient.address!r} is not a Telegram chat id"
            ) from error
        markup = keyboard(message.buttons)
        try:
            sent = await self.bot.send_message(
                chat_id=chat_id, text=telegram_text(message), reply_markup=markup
            )
        except AiogramError as error:
            raise map_error(error) from error
        except OSError as error:  # below aiogram's own mapping: the request may have arrived
            raise UnknownOutcomeError(f"Telegram connection lost: {error!r}") from error
        except asyncio.CancelledError as error:
            if not stray_cancellation():
                raise
            raise UnknownOutcomeError("Telegram request cancelled by the HTTP client") from error
        return Receipt(
            provider_id=f"{sent.chat.id}:{sent.message_id}", status=DeliveryStatus.DELIVERED
        )

    async def aclose(self) -> None:
        """Close the bot's HTTP session if this channel owns it; safe to call twice."""
        if self._close_bot:
            await self.bot.session.close()
