"""Buttons on sign-off and contact verification requests (opaque tokens whose action is
``signoff:<request>`` or ``verify:<request>``), and ``/beredskab`` (the readiness report for
the chiefs). Registered before ``callbacks``, whose catch-all would refuse the buttons; only
request tokens pass this router's filter."""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from beredskab import i18n
from beredskab.bot.common import CHANNEL
from beredskab.bot.texts import t
from beredskab.boundary.action_tokens import is_derived
from beredskab.i18n import Language
from beredskab.preparedness import answers
from beredskab.preparedness.answers import Refusal, RequestTokenError
from beredskab.preparedness.readiness import readiness, render
from beredskab.security import access, audit
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.services import Services

MAX_TOKEN = 32
REFUSED = {
    Refusal.FOREIGN: "foreign_button",
    Refusal.STALE: "prep_stale",
}
"""The bot's text key per refusal (a used token is ``i18n`` ``prep_already``, as on SMS)."""


def _refused(refusal: Refusal, language: Language) -> str:
    if refusal is Refusal.USED:
        return i18n.t("prep_already", language)
    return t(REFUSED.get(refusal, "invalid_button"), language)


async def is_request_button(callback: CallbackQuery, app: Services) -> bool:
    """Whether the pressed button carries a preparedness request token."""
    data = callback.data or ""
    stored = len(data) <= MAX_TOKEN and not is_derived(data)  # an alert's button is derived
    return stored and await answers.is_request_token(app=app, raw=data)


async def pressed(callback: CallbackQuery, app: Services, person: Person) -> None:
    """Record the answer for the person the request was sent to."""
    raw = callback.data or ""
    try:
        view, answered = await answers.answer_token(
            app=app, raw=raw, via=CHANNEL, person_id=person.id
        )
    except RequestTokenError as exc:
        if exc.refusal is Refusal.FOREIGN:
            await audit.refusal(
                app.db,
                actor=person.id,
                action="telegram.button.preparedness",
                channel=CHANNEL,
                detail="request button of another person",
            )
        await callback.answer(_refused(exc.refusal, person.language), show_alert=True)
        return
    await callback.answer(answers.thanks(answered, view.person))
    message = callback.message
    if isinstance(message, Message) and message.text is not None:
        with suppress(TelegramBadRequest):
            mark = t("prep_confirmed_mark", person.language)
            await message.edit_text(f"{message.text}\n\n{mark}"[:4096], reply_markup=None)


def chunks(text: str, limit: int = 4000) -> list[str]:
    """Split a long text at line ends into Telegram-sized messages."""
    parts: list[str] = [""]
    for line in text.splitlines():
        if parts[-1] and len(parts[-1]) + len(line) + 1 > limit:
            parts.append("")
        parts[-1] += ("\n" if parts[-1] else "") + line[:limit]
    return parts


async def readiness_command(message: Message, app: Services, person: Person) -> None:
    """/beredskab: the readiness report, for leaders and the secretariat leader."""
    allowed = access.readiness_roles(app.plan)
    if not access.has_role(person, allowed):
        await audit.refusal(
            app.db,
            actor=person.id,
            action="telegram.readiness",
            channel=CHANNEL,
            detail=f"allowed roles: {', '.join(sorted(allowed))}",
        )
        await message.answer(t("readiness_refused", person.language))
        return
    report = await readiness(db=app.db, plan=app.plan)
    for part in chunks(render(report, app.plan)):
        await message.answer(part)


def build() -> Router:
    """This module's router, new for each dispatcher."""
    router = Router(name=__name__)
    router.callback_query.register(pressed, F.data, is_request_button)
    router.message.register(readiness_command, Command("beredskab"))
    return router
