"""/start: bind the chat to a directory person through Telegram's share-contact button."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import CommandStart
from aiogram.types import Contact, Message, ReplyKeyboardRemove

from beredskab.bot.common import CHANNEL
from beredskab.bot.keyboards import share_contact
from beredskab.bot.texts import t
from beredskab.i18n import Language
from beredskab.security import audit
from contacts.loader import normalise_phone
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.services import Services


async def start(message: Message, person: Person | None, language: Language) -> None:
    """Explain and offer the share-contact button."""
    greeting = (
        t("start_bound", language, name=person.name) if person else t("start_unbound", language)
    )
    await message.answer(greeting, reply_markup=share_contact(language))


def _e164(phone: str) -> str | None:
    """Telegram sends numbers with country code, usually without the leading +."""
    if not phone.startswith("+"):
        return normalise_phone("+" + phone) or normalise_phone(phone)
    return normalise_phone(phone)


def _masked(phone: str) -> str:
    return "…" + phone[-2:] if len(phone) > 2 else "…"


async def contact(message: Message, app: Services, language: Language) -> None:
    """Bind when the shared contact is the user's own number and it is in the directory."""
    shared: Contact | None = message.contact
    user = message.from_user
    if shared is None or user is None or shared.user_id != user.id:
        await audit.stranger(
            app.db,
            source=f"telegram:{user.id if user else '?'}",
            action="telegram.link",
            channel=CHANNEL,
            detail="shared a contact that is not the user's own",
        )
        await message.answer(t("share_own", language), reply_markup=share_contact(language))
        return
    phone = _e164(shared.phone_number)
    person = app.plan.directory.by_phone(phone) if phone else None
    if person is None:
        await audit.stranger(
            app.db,
            source=f"telegram:{user.id}",
            action="telegram.link",
            channel=CHANNEL,
            detail=f"phone {_masked(shared.phone_number)} is not in the directory",
        )
        await message.answer(t("not_in_directory", language), reply_markup=ReplyKeyboardRemove())
        return
    async with app.db.transaction() as tx:
        await tx.people.link_telegram(
            person.id, user_id=user.id, chat_id=message.chat.id, now=tx.now
        )
        await audit.record(
            tx,
            actor=person.id,
            action="telegram.link",
            channel=CHANNEL,
            detail=f"user {user.id} chat {message.chat.id}",
        )
    await message.answer(  # from now on, in the person's own language
        t("linked", person.language, name=person.name), reply_markup=ReplyKeyboardRemove()
    )


def build() -> Router:
    """This module's router, new for each dispatcher, handlers in matching order."""
    router = Router(name=__name__)
    router.message.register(start, CommandStart())
    router.message.register(contact, F.contact)
    return router
