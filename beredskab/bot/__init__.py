"""The Telegram bot: one aiogram Router per module, assembled here in an explicit order.

Order matters only where two routers could both answer: the binding flow first, the
activation dialogue and the task-outcome state before the plain-text fallbacks of
``commands``, and ``errors`` for whatever a handler raises. Services reach handlers as
Dispatcher kwargs (``app``); ``person`` is injected by ``middlewares.PersonMiddleware``.
Dialogue state lives in the database (``storage.DatabaseStorage``), so a dispatcher can be
built per webhook update and dialogues survive restarts.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import AiogramError
from aiogram.types import BotCommand

from beredskab.bot import activate, callbacks, commands, errors, preparedness, start
from beredskab.bot.middlewares import InFlight, PersonMiddleware
from beredskab.bot.storage import DatabaseStorage
from beredskab.errors import ConfigError

if TYPE_CHECKING:
    from beredskab.app import App

log = logging.getLogger(__name__)

POLL_SECONDS = 25
WEBHOOK_PATH = "/webhooks/telegram"

COMMANDS = (
    ("aktiver", "Aktivér en beredskabsgruppe", "Activate a crisis group"),
    (
        "ovelse",
        "Start en øvelse (ØVELSE på alle beskeder)",
        "Start a drill (DRILL on every message)",
    ),
    ("status", "Åbne hændelser, eller /status <nr>", "Open incidents, or /status <no>"),
    ("log", "Skriv i situationsloggen", "Write in the situation log"),
    ("opgaver", "Mine åbne opgaver", "My open tasks"),
    ("afslut", "Afblæs en hændelse", "Stand an incident down"),
    (
        "beredskab",
        "Beredskabsstatus (projektchef, sekretariatsleder)",
        "Readiness report (project manager, head of secretariat)",
    ),
    ("annuller", "Afbryd dialogen", "Cancel the dialogue"),
    ("start", "Tilknyt chatten med dit telefonnummer", "Link the chat with your phone number"),
    ("hjaelp", "Hjælp", "Help"),
)
"""(command, Danish description, English description) for Telegram's command menu."""


def build_dispatcher(app: App) -> Dispatcher:
    """The dispatcher with every router, the person middleware and ``app`` as a kwarg."""
    dp = Dispatcher(storage=DatabaseStorage(app.db), app=app)
    in_flight = InFlight()
    dp["in_flight"] = in_flight
    dp.update.outer_middleware(in_flight)
    dp.message.outer_middleware(PersonMiddleware())
    dp.callback_query.outer_middleware(PersonMiddleware())
    dp.include_routers(
        start.build(),
        activate.build(),
        preparedness.build(),
        callbacks.build(),
        commands.build(),
        errors.build(),
    )
    return dp


async def set_commands(bot: Bot) -> None:
    """Publish the command menu: Danish by default, English for English Telegram clients
    (cosmetic: a failure is logged, the bot runs anyway)."""
    try:
        await bot.set_my_commands([BotCommand(command=c, description=da) for c, da, _ in COMMANDS])
        await bot.set_my_commands(
            [BotCommand(command=c, description=en) for c, _, en in COMMANDS], language_code="en"
        )
    except AiogramError as error:
        log.warning("could not publish the Telegram command menu: %s", error)


async def set_webhook(app: App, bot: Bot) -> None:
    """Webhook mode: point Telegram at ``<public_base_url>/webhooks/telegram`` with the secret."""
    secret = app.settings.telegram.webhook_secret
    if secret is None:
        raise ConfigError(
            '[telegram] mode = "webhook" needs webhook_secret (Telegram sends it back in '
            'X-Telegram-Bot-Api-Secret-Token); set it or use mode = "polling"'
        )
    url = app.settings.service.public_base_url.rstrip("/") + WEBHOOK_PATH
    dp = build_dispatcher(app)
    await bot.set_webhook(
        url,
        secret_token=secret.get_secret_value(),
        allowed_updates=dp.resolve_used_update_types(),
    )
    await set_commands(bot)


async def run_polling(
    app: App, bot: Bot, stop: asyncio.Event, *, dispatcher: Dispatcher | None = None
) -> None:
    """Long-poll for updates until ``stop`` is set, then finish the updates being handled.

    The caller owns ``bot`` (usually shared with the Telegram channel) and closes it.
    """
    dp = dispatcher or build_dispatcher(app)
    await bot.delete_webhook()  # getUpdates is refused while a webhook is set
    await set_commands(bot)
    polling = asyncio.create_task(
        dp.start_polling(
            bot, handle_signals=False, close_bot_session=False, polling_timeout=POLL_SECONDS
        )
    )
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not polling.done():
            try:
                await dp.stop_polling()
            except RuntimeError:  # stopped before polling had started
                polling.cancel()
            # A long poll in flight would hold shutdown for up to POLL_SECONDS; its updates
            # are not confirmed yet (offset), so Telegram hands them out again next time.
            await asyncio.wait({polling}, timeout=STOP_GRACE_SECONDS)
            polling.cancel()
        await asyncio.wait({polling})
        in_flight: InFlight = dp["in_flight"]
        await in_flight.drain()
    if not polling.cancelled():
        polling.result()


STOP_GRACE_SECONDS = 2.0


async def feed_update(
    app: App, bot: Bot, update: dict[str, Any], *, dispatcher: Dispatcher | None = None
) -> None:
    """Handle one webhook update (already stored and deduplicated by the web layer).

    Building the dispatcher per update is cheap and loses nothing (dialogue state is in the
    database); pass one from ``build_dispatcher`` to reuse it.
    """
    dp = dispatcher or build_dispatcher(app)
    await dp.feed_raw_update(bot, update)


__all__ = ["build_dispatcher", "feed_update", "run_polling", "set_commands", "set_webhook"]
