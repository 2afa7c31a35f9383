"""Errors from any handler: user errors in plain words and the user's language, anything
else logged and apologised for.

No exception leaves a handler, so one bad update never stops the bot.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.exceptions import AiogramError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent

from beredskab.bot.common import refusal
from beredskab.bot.middlewares import update_language
from beredskab.bot.texts import t
from beredskab.errors import BeredskabError
from beredskab.i18n import Language

if TYPE_CHECKING:
    from beredskab.services import Services

log = logging.getLogger(__name__)


async def _tell(event: ErrorEvent, text: str) -> None:
    """Answer the update that failed: in the chat, and close a pending button spinner."""
    update = event.update
    if update.callback_query is not None:
        with suppress(AiogramError):  # already answered by the handler
            await update.callback_query.answer(text[:200], show_alert=True)
        message = update.callback_query.message
        if message is not None:
            await update.callback_query.bot.send_message(message.chat.id, text)  # type: ignore[union-attr]
    elif update.message is not None:
        await update.message.answer(text)


async def user_error(event: ErrorEvent, app: Services) -> None:
    """A use case said no: say why, in the user's language."""
    assert isinstance(event.exception, BeredskabError)
    log.info("telegram update %s refused: %s", event.update.update_id, event.exception)
    language = await update_language(app, event.update)
    await _tell(event, refusal(event.exception, language))


async def unexpected(event: ErrorEvent, app: Services) -> None:
    """A bug or an outage: log it with the traceback and tell the user it may not have worked."""
    log.error("telegram update %s failed", event.update.update_id, exc_info=event.exception)
    language: Language = "da"
    # The failure is logged above; if the database is what failed, the lookup fails too and
    # the apology goes out in Danish rather than not at all.
    with suppress(Exception):
        language = await update_language(app, event.update)
    with suppress(AiogramError):
        await _tell(event, t("trouble", language))


def build() -> Router:
    """This module's router, new for each dispatcher, handlers in matching order."""
    router = Router(name=__name__)
    router.errors.register(user_error, ExceptionTypeFilter(BeredskabError))
    router.errors.register(unexpected)
    return router
