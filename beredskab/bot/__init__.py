"""The Telegram bot: one aiogram Router per module, assembled here in an explicit order.

Order matters only where two routers could both answer: the binding flow first, the
activation dialogue and the task-outcome state before the plain-text fallbacks of
``commands``, and ``errors`` for whatever a handler raises. Services reach handlers as
Dispatcher kwargs (``app``); ``person`` is injected by ``middlewares.PersonMiddleware``.
Dialogue state lives in the database (``storage.DatabaseStorage``), so a dispatcher can be
built per update and dialogues survive restarts. Updates reach the dispatcher only through
the inbox (``beredskab.inbound.inbox``), from the webhook or from ``run_polling``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

from notifier.channels.telegram_models import import_aiogram

import_aiogram()  # first: aiogram's ~400 types then build when first used, not all now

from aiogram import Bot, Dispatcher  # noqa: E402
from aiogram.exceptions import AiogramError, TelegramRetryAfter  # noqa: E402
from aiogram.types import BotCommand  # noqa: E402

from beredskab.bot import (  # noqa: E402
    activate,
    callbacks,
    chief,
    commands,
    comms,
    duties,
    errors,
    facts,
    picture,
    preparedness,
    start,
)
from beredskab.bot.middlewares import InFlight, PersonMiddleware  # noqa: E402
from beredskab.bot.storage import DatabaseStorage  # noqa: E402
from beredskab.bot.texts import t  # noqa: E402
from beredskab.boundary import bounds  # noqa: E402
from beredskab.errors import ConfigError  # noqa: E402
from beredskab.i18n import Language  # noqa: E402
from beredskab.runtime.backoff import Backoff, Trouble  # noqa: E402

if TYPE_CHECKING:
    from beredskab.services import Services

log = logging.getLogger(__name__)

T = TypeVar("T")

POLL_SECONDS = 25
WEBHOOK_PATH = "/webhooks/telegram"

MENU = t.mark(
    "menu.aktiver",
    "menu.ovelse",
    "menu.status",
    "menu.log",
    "menu.billede",
    "menu.opgaver",
    "menu.opgave",
    "menu.indkald",
    "menu.pligter",
    "menu.kommunikation",
    "menu.afslut",
    "menu.journal",
    "menu.zone",
    "menu.beskrivelse",
    "menu.beredskab",
    "menu.annuller",
    "menu.start",
    "menu.hjaelp",
)
"""Telegram's command menu in order: ``menu.<command>`` is the text describing ``/<command>``."""


def menu(language: Language) -> list[BotCommand]:
    """The command menu in ``language``."""
    return [
        BotCommand(command=key.removeprefix("menu."), description=t(key, language)) for key in MENU
    ]


def build_dispatcher(app: Services) -> Dispatcher:
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
        chief.build(),
        picture.build(),
        preparedness.build(),
        duties.build(),
        comms.build(),
        callbacks.build(),
        facts.build(),
        commands.build(),
        errors.build(),
    )
    return dp


async def set_commands(bot: Bot) -> None:
    """Publish the command menu: Danish by default, English for English Telegram clients
    (cosmetic: a failure is logged, the bot runs anyway)."""
    try:
        await bot.set_my_commands(menu("da"))
        await bot.set_my_commands(menu("en"), language_code="en")
    except AiogramError as error:
        log.warning("could not publish the Telegram command menu: %s", error)


async def set_webhook(app: Services, bot: Bot, *, dispatcher: Dispatcher | None = None) -> None:
    """Webhook mode: point Telegram at ``<public_base_url>/webhooks/telegram`` with the secret
    (the updates ``dispatcher`` handles, by default a new one's)."""
    secret = app.settings.telegram.webhook_secret
    if secret is None:
        raise ConfigError(
            '[telegram] mode = "webhook" needs webhook_secret (Telegram sends it back in '
            'X-Telegram-Bot-Api-Secret-Token); set it or use mode = "polling"'
        )
    url = app.settings.service.public_base_url.rstrip("/") + WEBHOOK_PATH
    dp = dispatcher or build_dispatcher(app)
    await bot.set_webhook(
        url,
        secret_token=secret.get_secret_value(),
        allowed_updates=dp.resolve_used_update_types(),
    )
    await set_commands(bot)


async def run_polling(
    app: Services, bot: Bot, stop: asyncio.Event, *, dispatcher: Dispatcher | None = None
) -> None:
    """Long-poll Telegram until ``stop`` is set, storing every update in the inbox.

    Each ``getUpdates`` answer is stored update by update (``source="telegram"``, provider id
    the ``update_id``; spooled if the database is down) and only then confirmed to Telegram, by
    asking for the next offset. The inbox handles the updates like webhook updates, so they
    are deduplicated by ``update_id`` and those left unhandled by a crash are handled after the
    restart; updates fetched but not confirmed are fetched again and deduplicated. Telegram's
    errors (network, 5xx, 409 conflict, 429 ``retry_after``) back off and resume. On ``stop``
    the long poll in flight is cancelled (its updates are unconfirmed: Telegram sends them
    again). The caller owns ``bot`` (usually shared with the Telegram channel) and closes it.
    It asks for the updates ``dispatcher`` handles (by default a new one's).
    """
    allowed = (dispatcher or build_dispatcher(app)).resolve_used_update_types()
    trouble = Trouble(log, "Telegram getUpdates", app.board, "telegram.poll")
    backoff = Backoff(first=1.0, cap=30.0)
    if not await _prepare_until_stop(bot, stop, trouble, backoff):
        return
    offset: int | None = None
    # The session timeout bounds a request; a long poll may take POLL_SECONDS longer.
    request_timeout = int(bot.session.timeout + POLL_SECONDS)
    while not stop.is_set():
        poll = bot.get_updates(
            offset=offset,
            timeout=POLL_SECONDS,
            allowed_updates=allowed,
            request_timeout=request_timeout,
        )
        try:
            updates = await _race(poll, stop)
            if updates is None:
                return
            for update in updates:
                raw = update.model_dump(mode="json", exclude_none=True, by_alias=True)
                problem = bounds.json_refusal(raw, max_chars=bounds.TELEGRAM_STRING_CHARS)
                if problem is None:
                    await app.inbox.receive(
                        source="telegram", provider_id=str(update.update_id), payload=raw
                    )
                else:  # as the webhook answers 400: not stored, never handled
                    log.warning(
                        "Telegram update %s refused: a field is %s", update.update_id, problem
                    )
                offset = update.update_id + 1  # confirmed by the next getUpdates
        except TelegramRetryAfter as error:
            trouble.failed(error)
            if await backoff.wait(stop, at_least=float(error.retry_after)):
                return
            continue
        except Exception as error:  # network, 5xx, 409, or the spool itself: retry later
            trouble.failed(error)
            if await backoff.wait(stop):
                return
            continue
        trouble.recovered()
        backoff.reset()


async def _prepare(bot: Bot) -> bool:
    await bot.delete_webhook()  # getUpdates is refused while a webhook is set
    await set_commands(bot)
    return True


async def _prepare_until_stop(
    bot: Bot, stop: asyncio.Event, trouble: Trouble, backoff: Backoff
) -> bool:
    """Drop any webhook and publish the commands, retrying until it works; False if
    ``stop`` came first."""
    while not stop.is_set():
        try:
            if await _race(_prepare(bot), stop) is None:
                return False
        except Exception as error:  # Telegram unreachable: try again later
            trouble.failed(error)
            if await backoff.wait(stop):
                return False
            continue
        trouble.recovered()
        backoff.reset()
        return True
    return False


async def _race(awaitable: Awaitable[T], stop: asyncio.Event) -> T | None:
    """``awaitable``'s result, or None if ``stop`` is set first (then it is cancelled)."""
    task = asyncio.ensure_future(awaitable)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if not task.done():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return None
    return task.result()


async def from_inbox(app: Services, payload: dict[str, Any], dispatcher: Dispatcher) -> str:
    """A stored Telegram update, handled by ``dispatcher`` (``app.telegram.Telegram.update``)."""
    telegram_bot = app.telegram_bot()
    if telegram_bot is None:
        return "telegram not configured"
    await feed_update(app, telegram_bot, payload, dispatcher=dispatcher)
    return "update handled"


async def feed_update(
    app: Services, bot: Bot, update: dict[str, Any], *, dispatcher: Dispatcher | None = None
) -> None:
    """Handle one update (already stored and deduplicated by the inbox).

    Pass one from ``build_dispatcher`` to reuse it (``serve`` shares one: building takes
    about 10 ms); without one, a dispatcher is built for this update. Either loses nothing
    (dialogue state is in the database).
    """
    dp = dispatcher or build_dispatcher(app)
    await dp.feed_raw_update(bot, update)


__all__ = ["build_dispatcher", "feed_update", "run_polling", "set_commands", "set_webhook"]
