"""What every bot module shares: error texts and incident lookups."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from beredskab.bot.texts import t
from beredskab.boundary import bounds
from beredskab.errors import (
    BeredskabError,
    InvalidStateError,
    NotAuthorisedError,
    NotFoundError,
    render,
)
from beredskab.i18n import Language
from beredskab.models import Incident

if TYPE_CHECKING:
    from beredskab.services import Services

CHANNEL = "telegram"

UNBOUND = t("unbound")
"""The answer to a Telegram user bound to nobody (Danish; see ``t("unbound", language)``)."""


def refusal(error: BeredskabError, language: Language) -> str:
    """A user error in plain words, saying what to do next (and, unless it is a refusal,
    the use case's reason in the user's language)."""
    if isinstance(error, NotAuthorisedError):
        return t("not_authorised", language)
    if isinstance(error, NotFoundError):
        advice = t("not_found", language)
    elif isinstance(error, InvalidStateError):
        advice = t("invalid_state", language)
    else:
        advice = t("failed", language)
    reason = render(error, language).splitlines()[0].rstrip(".") if str(error) else ""
    return f"{advice}\n{reason[:1].upper()}{reason[1:300]}." if reason else advice


async def say(event: Message | CallbackQuery, text: str) -> None:
    """Answer a message with a message, a button press with an alert."""
    if isinstance(event, CallbackQuery):
        await event.answer(text[:200], show_alert=True)
    else:
        await event.answer(text)


async def open_incidents(app: Services) -> list[Incident]:
    """Open incidents, newest first."""
    async with app.db.transaction() as tx:
        return await tx.incidents.recent(open_only=True)


async def pick_incident(app: Services, nr: int | None, language: Language) -> Incident | str:
    """The incident numbered ``nr`` (or the only open one), or an explanation."""
    if nr is not None:
        async with app.db.transaction() as tx:
            incident = await tx.incidents.get(nr)
        return incident or t("no_such_incident", language, nr=nr)
    found = await open_incidents(app)
    if len(found) == 1:
        return found[0]
    if not found:
        return t("none_open", language)
    numbers = ", ".join(str(i.id) for i in found)
    return t("several_open", language, numbers=numbers, first=found[0].id)


def number_arg(text: str | None) -> tuple[int | None, bool]:
    """(the number after a command, whether the argument was valid)."""
    args = (text or "").split(maxsplit=1)[1:]
    if not args:
        return None, True
    word = args[0].strip().lstrip("#")
    number = bounds.parse_id(word)
    return (number, True) if number is not None else (None, False)


async def reply(
    event: Message | CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Answer in the chat a message or a pressed button came from."""
    message = event.message if isinstance(event, CallbackQuery) else event
    if isinstance(message, Message):
        await message.answer(text, reply_markup=markup)


async def drop_buttons(callback: CallbackQuery) -> None:
    """Take the buttons off the message whose button was pressed (it cannot be pressed twice)."""
    if isinstance(callback.message, Message) and callback.message.reply_markup is not None:
        await callback.message.edit_reply_markup(reply_markup=None)
