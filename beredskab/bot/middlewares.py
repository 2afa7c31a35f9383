"""Outer middlewares: who is writing (a directory person or nobody, and in which language),
and work in flight."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User

from beredskab.bot.common import CHANNEL
from beredskab.bot.texts import t
from beredskab.i18n import Language
from beredskab.security import audit
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.services import Services

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


async def bound_person(app: Services, user_id: int) -> Person | None:
    """The directory person bound to a Telegram user id (None if unbound or gone)."""
    async with app.db.transaction() as tx:
        person_id = await tx.people.person_for_telegram_user(user_id)
    return app.plan.directory.person(person_id) if person_id else None


def language_for(person: Person | None, user: User | None) -> Language:
    """The person's language; for someone unbound, English if their Telegram is in English."""
    if person is not None:
        return person.language
    code = (user.language_code if user is not None else None) or ""
    return "en" if code.lower().startswith("en") else "da"


async def update_language(app: Services, update: Update) -> Language:
    """The language to answer a whole update in (for the error handlers, which see no person)."""
    event = update.message or update.callback_query
    user = event.from_user if event is not None else None
    person = await bound_person(app, user.id) if user is not None else None
    return language_for(person, user)


def is_binding(event: TelegramObject) -> bool:
    """/start and contact shares are open to everyone: they are how one gets bound."""
    if not isinstance(event, Message):
        return False
    if event.contact is not None:
        return True
    words = (event.text or "").split(maxsplit=1)
    return bool(words) and words[0].split("@")[0] == "/start"


class PersonMiddleware(BaseMiddleware):
    """Inject ``person`` and ``language``; unbound users get one generic answer except when
    binding."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        app: Services = data["app"]
        user: User | None = data.get("event_from_user")
        person = await bound_person(app, user.id) if user is not None else None
        data["person"] = person
        data["language"] = language = language_for(person, user)
        if person is not None or is_binding(event):
            return await handler(event, data)
        if isinstance(event, CallbackQuery):
            await audit.stranger(
                app.db,
                source=f"telegram:{user.id if user else '?'}",
                action="telegram.button",
                channel=CHANNEL,
                detail="button pressed by a Telegram user bound to nobody",
            )
            await event.answer(t("unbound", language), show_alert=True)
        elif isinstance(event, Message):
            await event.answer(t("unbound", language))
        return None


class InFlight(BaseMiddleware):
    """Remembers the updates being handled so a shutdown can wait for them."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            return await handler(event, data)
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def drain(self) -> None:
        """Wait until every update being handled is done."""
        pending = self._tasks - {asyncio.current_task()}
        if pending:
            await asyncio.wait(pending)
