"""/opgave and /indkald: the chief gives a task or convenes a meeting, in a short dialogue.

/opgave [nr]: choose the person (buttons), write the task, give a due time or none.
/indkald [nr]: choose one of the plan's meetings (TOT, Lokalråd), give a time or "now".
Both ask the use case first whether the person leads the incident (a refusal is audited),
and the use cases check again when the task is given or the meeting convened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from beredskab import i18n
from beredskab.bot.common import CHANNEL, drop_buttons, number_arg, pick_incident, reply
from beredskab.bot.keyboards import choices
from beredskab.bot.texts import t
from beredskab.boundary.bounds import InputRefusedError
from beredskab.i18n import Language, clock
from beredskab.incident import chief_tasks, convene
from beredskab.models import IncidentStatus
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.services import Services


class ChiefCb(CallbackData, prefix="chf"):
    """A choice in /opgave or /indkald: ``step`` is to, due, meeting, at or cancel."""

    step: str
    value: str = ""


class GiveTask(StatesGroup):
    """The steps of /opgave."""

    to = State()
    text = State()
    due = State()


class Convene(StatesGroup):
    """The steps of /indkald."""

    meeting = State()
    at = State()


def _cancel(language: Language) -> list[tuple[str, ChiefCb]]:
    return [(t("chief.cancel", language), ChiefCb(step="cancel"))]


async def _led_incident(
    message: Message, app: Services, person: Person, action: str, command: str
) -> int | None:
    """The incident the command names (or the only open one), if the person leads it."""
    language = person.language
    nr, valid = number_arg(message.text)
    picked = await pick_incident(app, nr, language) if valid else t("chief.give_usage", language)
    if isinstance(picked, str):
        await message.answer(picked.replace("/status", command))
        return None
    if picked.status is not IncidentStatus.ACTIVE:
        await message.answer(t("chief.closed", language, nr=picked.id))
        return None
    await chief_tasks.require_leader(
        db=app.db,
        plan=app.plan,
        incident_id=picked.id,
        actor_id=person.id,
        action=action,
        channel=CHANNEL,
    )
    return picked.id


async def give_begin(message: Message, app: Services, person: Person, state: FSMContext) -> None:
    """/opgave [nr]: offer everyone in the directory as assignee."""
    await state.clear()
    nr = await _led_incident(message, app, person, "task.create", "/opgave")
    if nr is None:
        return
    people = sorted(app.plan.directory.people, key=lambda p: p.name)
    buttons = [(p.name, ChiefCb(step="to", value=p.id)) for p in people]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await state.set_state(GiveTask.to)
    await state.update_data(incident=nr)
    language = person.language
    await message.answer(
        t("chief.give_who", language, nr=nr), reply_markup=choices([*rows, _cancel(language)])
    )


async def chose_assignee(
    callback: CallbackQuery,
    callback_data: ChiefCb,
    app: Services,
    person: Person,
    state: FSMContext,
) -> None:
    """Remember the assignee; ask for the text."""
    chosen = app.plan.directory.person(callback_data.value)
    if chosen is None:
        await callback.answer(t("chief.stale", person.language), show_alert=True)
        return
    await state.update_data(to=chosen.id)
    await state.set_state(GiveTask.text)
    await callback.answer()
    await drop_buttons(callback)
    await reply(callback, t("chief.give_text", person.language, name=chosen.name))


async def wrote_task(message: Message, state: FSMContext, language: Language) -> None:
    """Remember the text; ask for a due time."""
    await state.update_data(text=(message.text or "").strip())
    await state.set_state(GiveTask.due)
    await message.answer(
        t("chief.give_due", language),
        reply_markup=choices(
            [[(t("chief.no_due", language), ChiefCb(step="due"))], _cancel(language)]
        ),
    )


async def due_written(message: Message, app: Services, person: Person, state: FSMContext) -> None:
    """The due time as text: give the task."""
    await _give(message, app, person, state, (message.text or "").strip())


async def no_due(callback: CallbackQuery, app: Services, person: Person, state: FSMContext) -> None:
    """No due time: give the task."""
    await callback.answer()
    await drop_buttons(callback)
    await _give(callback, app, person, state, None)


async def _give(
    event: Message | CallbackQuery,
    app: Services,
    person: Person,
    state: FSMContext,
    due: str | None,
) -> None:
    data = await state.get_data()
    language = person.language
    try:
        task = await chief_tasks.create(
            db=app.db,
            plan=app.plan,
            incident_id=int(data["incident"]),
            actor_id=person.id,
            assignee_id=str(data["to"]),
            text=str(data.get("text") or ""),
            channel=CHANNEL,
            due=due,
        )
    except InputRefusedError:
        if due is None:  # the text was refused: the dialogue cannot go on
            await state.clear()
            raise
        await reply(event, t("chief.bad_due", language))  # the state stays: write it again
        return
    await state.clear()
    app.outbox.wake()
    assignee = app.plan.directory.person(task.assignee)
    when = ""
    if task.due_at is not None:
        when = i18n.t(
            "task_due", language, when=clock(task.due_at, now=task.updated_at, language=language)
        )
    await reply(
        event,
        i18n.t(
            "task_added",
            language,
            number=task.number,
            name=assignee.name if assignee else task.assignee,
            due=when,
        ),
    )


async def convene_begin(message: Message, app: Services, person: Person, state: FSMContext) -> None:
    """/indkald [nr]: offer the plan's meetings."""
    await state.clear()
    nr = await _led_incident(message, app, person, "incident.convene", "/indkald")
    if nr is None:
        return
    async with app.db.transaction() as tx:
        incident = await tx.incidents.get(nr)
    language = person.language
    meetings = convene.meetings(app.plan, incident.playbook_id) if incident else ()
    if not meetings:
        await message.answer(t("chief.convene_none", language))
        return
    rows = [[(f"{m.meeting} ({m.place})", ChiefCb(step="meeting", value=m.id))] for m in meetings]
    await state.set_state(Convene.meeting)
    await state.update_data(incident=nr)
    await message.answer(
        t("chief.convene_which", language, nr=nr), reply_markup=choices([*rows, _cancel(language)])
    )


async def chose_meeting(
    callback: CallbackQuery, callback_data: ChiefCb, person: Person, state: FSMContext
) -> None:
    """Remember the meeting; ask when."""
    language = person.language
    await state.update_data(meeting=callback_data.value)
    await state.set_state(Convene.at)
    await callback.answer()
    await drop_buttons(callback)
    await reply(
        callback,
        t("chief.convene_when", language),
        choices([[(t("chief.soon", language), ChiefCb(step="at"))], _cancel(language)]),
    )


async def time_written(message: Message, app: Services, person: Person, state: FSMContext) -> None:
    """The time as text: convene."""
    await _convene(message, app, person, state, (message.text or "").strip())


async def at_once(
    callback: CallbackQuery, app: Services, person: Person, state: FSMContext
) -> None:
    """As soon as possible: convene."""
    await callback.answer()
    await drop_buttons(callback)
    await _convene(callback, app, person, state, None)


async def _convene(
    event: Message | CallbackQuery, app: Services, person: Person, state: FSMContext, at: str | None
) -> None:
    data = await state.get_data()
    language = person.language
    try:
        done = await convene.convene(
            db=app.db,
            plan=app.plan,
            incident_id=int(data["incident"]),
            actor_id=person.id,
            meeting_id=str(data["meeting"]),
            channel=CHANNEL,
            at=at,
        )
    except InputRefusedError:
        await reply(event, t("chief.bad_time", language))  # the state stays: write it again
        return
    await state.clear()
    app.outbox.wake()
    await reply(
        event,
        i18n.t(
            "convened",
            language,
            meeting=done.meeting.meeting,
            place=done.meeting.place,
            when=done.when,
            names=", ".join(done.people),
        ),
    )


async def cancel(callback: CallbackQuery, state: FSMContext, language: Language) -> None:
    """Leave the dialogue."""
    await state.clear()
    await callback.answer(t("chief.cancelled", language))
    await drop_buttons(callback)


async def stale(callback: CallbackQuery, language: Language) -> None:
    """A button from a dialogue that is over."""
    await callback.answer(t("chief.stale", language), show_alert=True)


def build() -> Router:
    """This module's router, new for each dispatcher, handlers in matching order."""
    router = Router(name=__name__)
    text = (F.text, ~F.text.startswith("/"))
    router.message.register(give_begin, Command("opgave"))
    router.message.register(convene_begin, Command("indkald"))
    router.callback_query.register(
        cancel, StateFilter(GiveTask, Convene), ChiefCb.filter(F.step == "cancel")
    )
    router.callback_query.register(
        chose_assignee, StateFilter(GiveTask.to), ChiefCb.filter(F.step == "to")
    )
    router.message.register(wrote_task, StateFilter(GiveTask.text), *text)
    router.message.register(due_written, StateFilter(GiveTask.due), *text)
    router.callback_query.register(
        no_due, StateFilter(GiveTask.due), ChiefCb.filter(F.step == "due")
    )
    router.callback_query.register(
        chose_meeting, StateFilter(Convene.meeting), ChiefCb.filter(F.step == "meeting")
    )
    router.message.register(time_written, StateFilter(Convene.at), *text)
    router.callback_query.register(at_once, StateFilter(Convene.at), ChiefCb.filter(F.step == "at"))
    router.callback_query.register(stale, ChiefCb.filter())
    return router
