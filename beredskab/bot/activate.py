"""/aktiver: choose a group, describe, zone, police journal number, then confirm with a button.

Group 2 asks for the journal number; the "Kommer senere" button marks it pending (the
activator is then reminded until it is recorded). Drills skip the question.

Nothing is activated until **Bekræft aktivering** is pressed in the summary; the dialogue
lives in the user's FSM state for this chat, so only they can move it on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from beredskab.bot.common import CHANNEL, drop_buttons, reply
from beredskab.bot.keyboards import ActivateCb, choices
from beredskab.bot.texts import t
from beredskab.i18n import Language
from beredskab.incident import activation
from beredskab.incident import police_case as journal
from beredskab.security import access
from contacts.models import Person
from playbooks.schema import Playbook

if TYPE_CHECKING:
    from beredskab.services import Services


def _cancel(language: Language) -> tuple[str, ActivateCb]:
    """The dialogue's cancel button."""
    return t("cancel_label", language), ActivateCb(step="cancel")


class Activate(StatesGroup):
    """The steps of the dialogue."""

    group = State()
    description = State()
    zone = State()
    police = State()
    confirm = State()


def allowed(app: Services, person: Person) -> list[Playbook]:
    """The playbooks this person may activate."""
    return [p for p in app.plan.playbooks.playbooks if access.has_role(person, p.activation.roles)]


async def begin(message: Message, app: Services, person: Person, state: FSMContext) -> None:
    """/aktiver: offer the groups the person may activate."""
    await _start(message, app, person, state, drill=False)


async def begin_drill(message: Message, app: Services, person: Person, state: FSMContext) -> None:
    """/ovelse: the same dialogue, and the incident becomes a drill (ØVELSE on every message)."""
    await _start(message, app, person, state, drill=True)


async def _start(
    message: Message, app: Services, person: Person, state: FSMContext, *, drill: bool
) -> None:
    await state.clear()
    language = person.language
    playbooks = allowed(app, person)
    if not playbooks:
        await message.answer(t("activate_none", language))
        return
    await state.set_state(Activate.group)
    if drill:  # stored before the question goes out, so the answer always sees it
        await state.update_data(drill=True)
    rows = [[(p.name, ActivateCb(step="group", value=p.id))] for p in playbooks]
    question = t("drill_which" if drill else "activate_which", language)
    await message.answer(question, reply_markup=choices([*rows, [_cancel(language)]]))


async def cancel_command(message: Message, state: FSMContext, language: Language) -> None:
    """Leave any dialogue."""
    await state.clear()
    await message.answer(t("cancelled_dialogue", language))


async def cancel(callback: CallbackQuery, state: FSMContext, language: Language) -> None:
    """Leave the dialogue without activating."""
    await state.clear()
    await callback.answer(t("cancelled_short", language))
    if callback.message is not None:
        await callback.message.answer(t("activation_cancelled", language))
    await drop_buttons(callback)


async def chose_group(
    callback: CallbackQuery,
    callback_data: ActivateCb,
    app: Services,
    person: Person,
    state: FSMContext,
) -> None:
    """Remember the group; ask for a description."""
    playbook = next((p for p in allowed(app, person) if p.id == callback_data.value), None)
    if playbook is None:
        await callback.answer(t("group_refused", person.language), show_alert=True)
        return
    await state.update_data(playbook=playbook.id)
    await state.set_state(Activate.description)
    await callback.answer()
    await drop_buttons(callback)
    await reply(callback, t("describe", person.language, name=playbook.name))


async def described(message: Message, state: FSMContext, language: Language) -> None:
    """Remember the description; ask for the zone."""
    await state.update_data(description=(message.text or "").strip())
    await state.set_state(Activate.zone)
    zones = [
        (t("zone_label", language, zone=z), ActivateCb(step="zone", value=str(z)))
        for z in range(1, 5)
    ]
    whole = (t("whole_area_label", language), ActivateCb(step="zone", value="0"))
    await message.answer(
        t("which_zone", language), reply_markup=choices([zones, [whole], [_cancel(language)]])
    )


async def chose_zone(
    callback: CallbackQuery,
    callback_data: ActivateCb,
    app: Services,
    state: FSMContext,
    language: Language,
) -> None:
    """Remember the zone; ask for the police journal number when the group has a police case."""
    zone = int(callback_data.value) if callback_data.value in ("1", "2", "3", "4") else 0
    await state.update_data(zone=zone)
    await callback.answer()
    await drop_buttons(callback)
    data = await state.get_data()
    playbook = app.plan.playbook(str(data["playbook"]))
    if playbook is not None and journal.required(playbook) and not data.get("drill"):
        await state.set_state(Activate.police)
        await reply(
            callback,
            t("police_ask", language),
            choices(
                [[(t("no_case_label", language), ActivateCb(step="police"))], [_cancel(language)]]
            ),
        )
        return
    await _summary(callback, app, state, language)


async def police_case(
    message: Message, app: Services, state: FSMContext, language: Language
) -> None:
    """Remember the journal number."""
    await state.update_data(police_case=(message.text or "").strip()[:64], pending=False)
    await _summary(message, app, state, language)


async def no_police_case(
    callback: CallbackQuery, app: Services, state: FSMContext, language: Language
) -> None:
    """The journal number comes later: the activator is reminded until it is recorded."""
    await state.update_data(police_case=None, pending=True)
    await callback.answer()
    await drop_buttons(callback)
    await _summary(callback, app, state, language)


async def _summary(
    event: Message | CallbackQuery, app: Services, state: FSMContext, language: Language
) -> None:
    data = await state.get_data()
    playbook = app.plan.playbook(str(data["playbook"]))
    name = playbook.name if playbook else data["playbook"]
    drill = bool(data.get("drill"))
    whole_area = t("whole_area_label", language).lower()
    lines = [
        t(
            "summary_head",
            language,
            drill=t("summary_drill", language) if drill else "",
            name=name,
            as_drill=t("summary_as_drill", language) if drill else "",
        ),
        t("summary_description", language, text=data.get("description") or "-"),
        t("summary_zone", language, zone=data["zone"] or whole_area),
    ]
    if playbook is not None and journal.required(playbook) and not drill:
        case = data.get("police_case") or t("case_later", language)
        lines.append(t("summary_police", language, case=case))
    lines.append(t("summary_foot", language))
    await state.set_state(Activate.confirm)
    keyboard = choices(
        [[(t("confirm_label", language), ActivateCb(step="confirm"))], [_cancel(language)]]
    )
    await reply(event, "\n".join(lines), keyboard)


async def confirm(
    callback: CallbackQuery, app: Services, person: Person, state: FSMContext
) -> None:
    """Activate (or join the open incident) and report what happened."""
    data = await state.get_data()
    await state.clear()
    await callback.answer(t("activating", person.language))
    await drop_buttons(callback)
    try:
        result = await activation.activate(
            db=app.db,
            plan=app.plan,
            playbook=str(data["playbook"]),
            actor_id=person.id,
            channel=CHANNEL,
            description=str(data.get("description") or ""),
            zone=int(data["zone"]) or None,
            police_case=data.get("police_case") or None,
            police_case_pending=bool(data.get("pending")),
            drill=bool(data.get("drill")),
        )
    except activation.RealIncidentOpen as refused:
        values = refused.values
        text = t("drill_refused", person.language, nr=values["nr"], group=values["group"])
        await reply(callback, text)
        return
    await reply(callback, activation.summary(result, person.language))


async def stale(callback: CallbackQuery, language: Language) -> None:
    """A dialogue button from a dialogue that is over."""
    await callback.answer(t("activation_stale", language), show_alert=True)


def build() -> Router:
    """This module's router, new for each dispatcher, handlers in matching order."""
    router = Router(name=__name__)
    router.message.register(begin, Command("aktiver"))
    router.message.register(begin_drill, Command("ovelse"))
    router.message.register(cancel_command, Command("annuller"))
    router.callback_query.register(cancel, ActivateCb.filter(F.step == "cancel"))
    router.callback_query.register(
        chose_group, StateFilter(Activate.group), ActivateCb.filter(F.step == "group")
    )
    router.message.register(
        described, StateFilter(Activate.description), F.text, ~F.text.startswith("/")
    )
    router.callback_query.register(
        chose_zone, StateFilter(Activate.zone), ActivateCb.filter(F.step == "zone")
    )
    router.message.register(
        police_case, StateFilter(Activate.police), F.text, ~F.text.startswith("/")
    )
    router.callback_query.register(
        no_police_case, StateFilter(Activate.police), ActivateCb.filter(F.step == "police")
    )
    router.callback_query.register(
        confirm, StateFilter(Activate.confirm), ActivateCb.filter(F.step == "confirm")
    )
    router.callback_query.register(stale, ActivateCb.filter())
    return router
