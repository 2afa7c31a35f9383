"""Telegram: a text message with an inline keyboard of the message's buttons.

The send path posts ``sendMessage`` to the Bot API itself (a JSON body with the fields
aiogram sends as a form) and reads only ``chat.id`` and ``message_id`` from the answer:
aiogram's request and response models were half of the channel's CPU per message, and
importing aiogram costs ~130 MB and seconds. A channel built ``from_token`` therefore never
imports aiogram; its ``bot`` (for the bot's dispatcher) is an aiogram ``Bot`` built on first
use. A channel given a ``Bot`` sends through that bot's own HTTP session. Errors are
classified exactly as aiogram's response check and the previous ``map_error`` did.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

import aiohttp

from notifier import wire
from notifier.errors import (
    ChannelConfigError,
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnknownOutcomeError,
    stray_cancellation,
)
from notifier.types import Button, ChannelKind, DeliveryStatus, Message, Receipt, Recipient
from notifier.warm import Preconnect

if TYPE_CHECKING:
    from aiogram import Bot

MAX_TEXT = 4096
MAX_CALLBACK_DATA_BYTES = 64
API_BASE = "https://api.telegram.org"
_JSON = {"Content-Type": "application/json"}


def keyboard(buttons: tuple[Button, ...]) -> dict[str, Any] | None:
    """The ``reply_markup``: one button per row, ``callback_data`` = the button's
    opaque key (≤ 64 bytes)."""
    if not buttons:
        return None
    for button in buttons:
        if len(button.key.encode()) > MAX_CALLBACK_DATA_BYTES:
            raise PermanentDeliveryError(
                f"button key {button.key!r} is longer than Telegram's 64-byte callback_data"
            )
    rows = [[{"text": b.label, "callback_data": b.key}] for b in buttons]
    return {"inline_keyboard": rows}


def telegram_text(message: Message) -> str:
    """The full text plus the link when the text does not already carry it, within 4096."""
    text = message.text
    if message.link and message.link not in text:
        text = f"{text}\n\n{message.link}"
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    return text


def map_failure(status: int, payload: dict[str, Any]) -> DeliveryError:
    """A refused ``sendMessage`` (``ok`` false or a non-2xx status) as a typed error."""
    description = str(payload.get("description") or "")
    parameters = payload.get("parameters")
    parameters = parameters if isinstance(parameters, dict) else {}
    if parameters.get("retry_after"):
        return TransientDeliveryError(
            f"Telegram flood control: {description}", retry_after=float(parameters["retry_after"])
        )
    if parameters.get("migrate_to_chat_id"):
        return PermanentDeliveryError(
            f"Telegram chat moved to {parameters['migrate_to_chat_id']}: {description}"
        )
    if status == 403:
        return PermanentDeliveryError(f"Telegram refused (bot blocked?): {description}")
    if status == 401:
        return PermanentDeliveryError(f"Telegram rejected the bot token: {description}")
    if status in (400, 404, 413):
        return PermanentDeliveryError(f"Telegram rejected the message: {description}")
    if status >= 500:
        return TransientDeliveryError(f"Telegram unreachable: {description}")
    return TransientDeliveryError(f"Telegram error: {description}")


def sent_message(status: int, body: bytes) -> tuple[int, int]:
    """``(chat id, message id)`` from a ``sendMessage`` answer, or the typed error."""
    try:
        payload = json.loads(body)
    except ValueError as error:
        raise UnknownOutcomeError(f"Telegram answer not understood: {error}") from error
    if not isinstance(payload, dict) or not isinstance(payload.get("ok"), bool):
        raise UnknownOutcomeError(f"Telegram answer not understood: {body[:200]!r}")
    if not (200 <= status <= 226 and payload["ok"]):
        raise map_failure(status, payload)
    try:
        result = payload["result"]
        return int(result["chat"]["id"]), int(result["message_id"])
    except (KeyError, TypeError, ValueError) as error:
        raise UnknownOutcomeError(f"Telegram answer not understood: {body[:200]!r}") from error


@cache
def _tls_context() -> ssl.SSLContext:
    """Certificates as aiogram checks them (certifi's store when installed); built once per
    process, when the first channel is built (loading the store takes 20-45 ms, which the
    first send would otherwise spend on the event loop)."""
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi comes with aiohttp's usual installs
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


class TelegramChannel:
    """Sends ``message.text`` (plus link) with inline buttons to ``int(recipient.address)``.

    The receipt is DELIVERED (the message is in the chat once the API accepted it); its
    provider id is ``"<chat_id>:<message_id>"`` (message ids are per chat).
    Given a ``Bot`` (usually shared with the bot's dispatcher), the channel sends through
    its session and closes it in ``aclose`` only when ``close_bot`` is true. Built
    ``from_token``, it owns a small HTTP session of its own and the lazily built ``bot``.
    """

    name: ClassVar[str] = "telegram"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset({ChannelKind.TELEGRAM})
    max_rate_per_second: ClassVar[float] = 30.0
    max_rate_per_chat_per_second: ClassVar[float] = 1.0
    max_text_length: ClassVar[int] = MAX_TEXT

    def __init__(self, bot: Bot, *, close_bot: bool = False) -> None:
        from aiogram.client.session.aiohttp import AiohttpSession

        if not isinstance(bot.session, AiohttpSession):
            raise ChannelConfigError("the Telegram channel needs a Bot with an AiohttpSession")
        self._bot: Bot | None = bot
        self._close_bot = close_bot
        self._token = bot.token
        self._api_base: str | None = None
        self._timeout = float(bot.session.timeout)
        self._own: aiohttp.ClientSession | None = None
        self._warming = Preconnect(self._endpoint)
        self._tls = _tls_context()

    @classmethod
    def from_token(
        cls, token: str, *, api_base_url: str | None = None, timeout: float = 30.0
    ) -> TelegramChannel:
        """A channel that owns its HTTP session and its ``Bot`` (``api_base_url`` for a local
        Bot API); aiogram is imported only when ``bot`` is first used."""
        channel = cls.__new__(cls)
        channel._bot = None
        channel._close_bot = True
        channel._token = token
        channel._api_base = (api_base_url or API_BASE).rstrip("/")
        channel._timeout = timeout
        channel._own = None
        channel._warming = Preconnect(channel._endpoint)
        channel._tls = _tls_context()
        return channel

    @property
    def bot(self) -> Bot:
        """The aiogram ``Bot`` for this token (built on first use by a ``from_token`` channel,
        with its own session; sends do not go through it)."""
        if self._bot is None:
            from notifier.channels.telegram_models import import_aiogram

            import_aiogram()  # its types built when first used (telegram_models)
            from aiogram import Bot
            from aiogram.client.session.aiohttp import AiohttpSession
            from aiogram.client.telegram import TelegramAPIServer

            api = TelegramAPIServer.from_base(self._api_base) if self._api_base else None
            session = (
                AiohttpSession(api=api, timeout=self._timeout)
                if api
                else AiohttpSession(timeout=self._timeout)
            )
            self._bot = Bot(token=self._token, session=session)
        return self._bot

    async def _endpoint(self) -> tuple[aiohttp.ClientSession, str]:
        """The HTTP session and the ``sendMessage`` URL."""
        if self._api_base is None:  # sending through a given Bot's session
            assert self._bot is not None
            session = self._bot.session
            client: aiohttp.ClientSession = await session.create_session()  # type: ignore[attr-defined]
            return client, session.api.api_url(token=self._token, method="sendMessage")
        if self._own is None or self._own.closed:
            self._own = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=100, ssl=self._tls),
                headers={"User-Agent": "beredskab-notifier"},
                trace_configs=[wire.trace_config()],  # when each send leaves, for pacing
            )
        return self._own, f"{self._api_base}/bot{self._token}/sendMessage"

    def warm(self) -> None:
        """Open a connection to the Bot API now if none is likely open (``notifier.warm``)."""
        self._warming.start()

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        """Send one message; raise a typed delivery error on failure."""
        try:
            chat_id = int(recipient.address)
        except ValueError as error:
            raise PermanentDeliveryError(
                f"{recipient.address!r} is not a Telegram chat id"
            ) from error
        payload: dict[str, Any] = {"chat_id": chat_id, "text": telegram_text(message)}
        markup = keyboard(message.buttons)
        if markup is not None:
            payload["reply_markup"] = markup
        session, url = await self._endpoint()
        await self._warming.settled()  # its connection, not a second one beside it
        self._warming.used()
        try:
            async with session.post(
                url,
                data=json.dumps(payload, ensure_ascii=False).encode(),
                headers=_JSON,
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            ) as response:
                status, body = response.status, await response.read()
        except TimeoutError as error:
            raise TransientDeliveryError("Telegram unreachable: request timed out") from error
        except aiohttp.ClientError as error:  # as aiogram: a network error, retried
            raise TransientDeliveryError(
                f"Telegram unreachable: {type(error).__name__}: {error}"
            ) from error
        except OSError as error:  # below aiohttp's own mapping: the request may have arrived
            raise UnknownOutcomeError(f"Telegram connection lost: {error!r}") from error
        except asyncio.CancelledError as error:
            if not stray_cancellation():
                raise
            raise UnknownOutcomeError("Telegram request cancelled by the HTTP client") from error
        self._warming.used()
        chat, message_id = sent_message(status, body)
        return Receipt(provider_id=f"{chat}:{message_id}", status=DeliveryStatus.DELIVERED)

    async def aclose(self) -> None:
        """Close what this channel owns (its session; the bot's if ``close_bot``); safe to
        call twice."""
        self._warming.cancel()
        own, self._own = self._own, None
        if own is not None and not own.closed:
            await own.close()
        if self._close_bot and self._bot is not None:
            await self._bot.session.close()
