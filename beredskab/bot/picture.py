"""/billede: the situation picture from Telegram, one heading at a time.

``/billede [nr]`` shows the picture and lists its headings as buttons; choosing one asks for
the new text; the text is saved only when **Gem** is pressed in the summary. The version read
at ``/billede`` is what the save is made on top of, so a version someone else saved meanwhile
refuses it (nothing is saved, the user is told who saved). A chat message is outbound, so a
sensitive heading's text is never shown here, not even to the chief, nor echoed back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from beredskab.bot.common import CHANNEL, drop_buttons, number_arg, pick_incident, reply
from beredskab.bot.keyboards import choices
from beredskab.bot.texts import t
from beredskab.i18n import Language
from beredskab.incident import need_to_know, picture
from beredskab.models import IncidentStatus
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.services import Services

PREVIEW = 300
"""Characters of a heading's current text shown when it is chosen."""


class PictureCb(CallbackData, prefix="bil"):
    """A choice in the /billede dialogue: ``step`` is heading, save or cancel."""

    step: str
    value: str = ""


class Writing(StatesGroup):
    """The steps of the dialogue."""

    heading = State()
    text = State()
    confirm = State()


def _cancel(language: Language) -> tuple[str, PictureCb]:
    return t("cancel_label", language), PictureCb(step="cancel")


async def begin(message: Message, app: Services, person: Person, state: FSMContext) -> None:
    """/billede [nr]: the picture as it stands, and its headings as buttons for the staff."""
    await state.clear()
    language = person.language
    nr, valid = number_arg(message.text)
    if not valid:
        await message.answer(t("picture.usage", language))
        return
    found = await pick_incident(app, nr, language)
    if isinstance(found, str):
        await message.answer(found)
        return
    now = await picture.current(db=app.db, plan=app.plan, incident_id=found.id)
    async with app.db.read() as tx:  # the names in it: need to know
        now = (
            await need_to_know.read_lens(tx, plan=app.plan, person=person, incident=found)
        ).picture(now)
    lines = [t("picture.head", language, title=now.title, nr=found.id, version=now.version)]
    for number, h in enumerate(now.headings, start=1):
        if h.text:
            shown = t("picture.sensitive", language) if h.sensitive else h.text
            lines.append(f"\n{number}. {h.title}\n{shown}")
    async with app.db.read() as tx:
        staff = await picture.may_edit(tx, plan=app.plan, incident=found, person=person)
    if found.status is not IncidentStatus.ACTIVE:
        lines.append("\n" + t("picture.closed", language))
    elif not staff:
        lines.append("\n" + t("picture.read_only", language))
    else:
        await state.set_state(Writing.heading)
        await state.update_data(incident=found.id, version=now.version)
        lines.append("\n" + t("picture.choose", language))
        rows = [
            [(f"{n}. {h.title}"[:64], PictureCb(step="heading", value=str(n)))]
            for n, h in enumerate(now.headings, start=1)
        ]
        await message.answer("\n".join(lines), reply_markup=choices([*rows, [_cancel(language)]]))
        return
    await message.answer("\n".join(lines))


async def chose_heading(
    callback: CallbackQuery,
    callback_data: PictureCb,
    app: Services,
    person: Person,
    state: FSMContext,
) -> None:
    """Remember the heading; show what it says now (unless sensitive) and ask for the text."""
    language = person.language
    data = await state.get_data()
    now = await picture.current(db=app.db, plan=app.plan, incident_id=int(data["incident"]))
    titles = [h.title for h in now.headings]
    heading = picture.find_heading(titles, callback_data.value)
    current = now.headings[titles.index(heading)]
    await state.update_data(heading=heading)
    await state.set_state(Writing.text)
    await callback.answer()
    await drop_buttons(callback)
    shown = ""
    if current.text:
        text = t("picture.sensitive", language) if current.sensitive else current.text[:PREVIEW]
        shown = t("picture.now", language, text=text)
    await reply(
        callback,
        t("picture.ask", language, heading=heading, now=shown),
        choices([[_cancel(language)]]),
    )


async def wrote(message: Message, app: Services, person: Person, state: FSMContext) -> None:
    """Remember the text; ask to save it."""
    language = person.language
    text = (message.text or "").strip()
    if not text:
        await message.answer(t("picture.empty", language))
        return
    data = await state.get_data()
    now = await picture.current(db=app.db, plan=app.plan, incident_id=int(data["incident"]))
    heading = str(data["heading"])
    sensitive = any(h.sensitive for h in now.headings if h.title == heading)
    await state.update_data(text=text[: picture.MAX_TEXT + 1])
    await state.set_state(Writing.confirm)
    shown = t("picture.summary_hidden", language) if sensitive else text
    keyboard = choices(
        [[(t("picture.save", language), PictureCb(step="save"))], [_cancel(language)]]
    )
    await message.answer(
        t("picture.summary", language, nr=data["incident"], heading=heading, text=shown),
        reply_markup=keyboard,
    )


async def save(callback: CallbackQuery, app: Services, person: Person, state: FSMContext) -> None:
    """Save the text on top of the version read at /billede."""
    language = person.language
    data = await state.get_data()
    await state.clear()
    await callback.answer()
    await drop_buttons(callback)
    nr = int(data["incident"])
    try:
        saved = await picture.revise(
            db=app.db,
            plan=app.plan,
            incident_id=nr,
            actor_id=person.id,
            channel=CHANNEL,
            base_version=int(data["version"]),
            edits=[picture.Edit(str(data["heading"]), str(data["text"]))],
        )
    except picture.StalePictureError as stale:
        values = stale.values
        text = t("picture.stale", language, name=values["name"], version=values["version"], nr=nr)
        await reply(callback, text)
        return
    except picture.NothingChangedError:
        await reply(callback, t("picture.unchanged", language))
        return
    await reply(callback, t("picture.saved", language, nr=nr, version=saved.version))


async def cancel(callback: CallbackQuery, state: FSMContext, language: Language) -> None:
    """Leave the dialogue without saving."""
    await state.clear()
    await callback.answer(t("picture.cancelled", language))
    await drop_buttons(callback)


async def stale_button(callback: CallbackQuery, language: Language) -> None:
    """A button from a dialogue that is over."""
    await callback.answer(t("picture.over", language), show_alert=True)


def build() -> Router:
    """This module's router, new for each dispatcher, handlers in matching order."""
    router = Router(name=__name__)
    router.message.register(begin, Command("billede", "situationsbillede", "picture"))
    router.callback_query.register(cancel, PictureCb.filter(F.step == "cancel"))
    router.callback_query.register(
        chose_heading, StateFilter(Writing.heading), PictureCb.filter(F.step == "heading")
    )
    router.message.register(wrote, StateFilter(Writing.text), F.text, ~F.text.startswith("/"))
    router.callback_query.register(
        save, StateFilter(Writing.confirm), PictureCb.filter(F.step == "save")
    )
    router.callback_query.register(stale_button, PictureCb.filter())
    return router
