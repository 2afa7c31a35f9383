"""Button presses behind opaque tokens: acknowledge, tasks, steps and stand-down.

A token names one person and one action. The alert's buttons carry tokens derived from their
delivery (``security.action_tokens``: checked by their MAC before the database is asked, the
person and incident read from the delivery row); the bot's own buttons and those sent before
tokens were derived carry a stored ``action_tokens`` key. A press is acted on only when the
presser's bound person is that person; tampered or foreign presses are refused, audited and
change nothing. Every action goes through the same use case as SMS, email, web and CLI.
"""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from beredskab import i18n
from beredskab.bot import comms
from beredskab.bot import keyboards as kb
from beredskab.bot.common import CHANNEL
from beredskab.bot.texts import t
from beredskab.boundary.action_tokens import Ref, Use, is_derived, resolve, spend
from beredskab.boundary.bounds import InputRefusedError
from beredskab.i18n import Language
from beredskab.i18n import status as status_word
from beredskab.incident import acknowledgements, standdown, steps, tasks
from beredskab.models import ActionToken, ConfirmationStatus, StepStatus, TaskStatus
from beredskab.security import audit
from contacts.models import Person
from notifier.types import ChannelKind

if TYPE_CHECKING:
    from beredskab.services import Services

MAX_TOKEN = 32
"""The longest stored token (``secrets.token_urlsafe(16)`` is 22 characters)."""


class TaskOutcome(StatesGroup):
    """Waiting for the outcome of a task the user marked done."""

    outcome = State()


async def _refuse(
    callback: CallbackQuery, app: Services, person: Person, token: ActionToken | None, why: str
) -> None:
    await audit.refusal(
        app.db,
        actor=person.id,
        action=f"telegram.button.{token.action if token else 'unknown'}",
        channel=CHANNEL,
        detail=why,
        incident_id=token.incident_id if token else None,
    )
    text = t("foreign_button" if token else "invalid_button", person.language)
    await callback.answer(text, show_alert=True)


def _verified(app: Services, data: str) -> Ref | None:
    """What button data names without asking the database: a derived token whose MAC
    matches, a candidate stored key, or None (forged, altered or malformed)."""
    if is_derived(data):
        return app.signer.actions.verify(Use.BUTTON, data)
    return data if 0 < len(data) <= MAX_TOKEN else None


async def pressed(
    callback: CallbackQuery, app: Services, person: Person, state: FSMContext
) -> None:
    """Check the token against the presser, then run its action."""
    data = callback.data or ""
    token = None
    ref = _verified(app, data)
    if ref is not None:
        async with app.db.transaction() as tx:
            token = await resolve(tx, ref, channel=ChannelKind.TELEGRAM)
    if ref is None or token is None:
        await _refuse(callback, app, person, None, f"unknown button data {data[:40]!r}")
        return
    if token.person_id != person.id:
        await _refuse(
            callback, app, person, token, f"button of {token.person_id} pressed by {person.id}"
        )
        return
    action = kb.Action.parse(token.action)
    incident_id = action.incident_id or token.incident_id
    if incident_id is None:
        await _refuse(callback, app, person, None, f"token without incident: {token.action}")
        return
    async with app.db.transaction() as tx:  # recorded; a repeated press still answers (as ever)
        await spend(tx, ref)
    if action.verb in (kb.ACK, kb.DECLINE):
        await _acknowledge(callback, app, person, incident_id, decline=action.verb == kb.DECLINE)
    elif action.verb == kb.TASK_DONE and action.number is not None:
        await _ask_outcome(callback, app, state, incident_id, action.number, person.language)
    elif action.verb in (kb.TASK_ACCEPT, kb.TASK_DECLINE) and action.number is not None:
        await _task(callback, app, person, incident_id, action.number, action.verb)
    elif action.verb == kb.STEP_DONE and action.number is not None:
        await _step(callback, app, person, incident_id, action.number)
    elif action.verb == kb.CLOSE:
        await _close(callback, app, person, incident_id)
    elif action.verb in (kb.COMM_APPROVE, kb.COMM_SEND) and action.number is not None:
        await comms.pressed_step(callback, app, person, incident_id, action.number, action.verb)
    elif action.verb == kb.KEEP:
        await callback.answer(t("keep_answer", person.language))
        await _edit(callback, t("keep_mark", person.language))
    else:
        await _refuse(callback, app, person, None, f"token with unknown action {token.action}")


async def _acknowledge(
    callback: CallbackQuery, app: Services, person: Person, incident_id: int, *, decline: bool
) -> None:
    result = await acknowledgements.record(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        person_id=person.id,
        via=CHANNEL,
        decline=decline,
    )
    app.outbox.wake()
    language = person.language
    status = result.confirmation.status
    if status is ConfirmationStatus.CONFIRMED:
        mark = t("ack_mark", language)
        note = t("ack_thanks" if result.changed else "ack_again", language)
    else:
        mark = t("decline_mark", language)
        deputy = app.plan.directory.person(result.deputy) if result.deputy else None
        note = (
            t("decline_deputy", language, name=deputy.name)
            if deputy
            else t("decline_no_deputy", language)
        )
        if not result.changed:
            note = t("answer_again", language)
    await callback.answer(note, show_alert=decline)
    await _edit(callback, mark)


async def _ask_outcome(
    callback: CallbackQuery,
    app: Services,
    state: FSMContext,
    incident_id: int,
    number: int,
    language: Language,
) -> None:
    async with app.db.transaction() as tx:
        task = await tx.tasks.get(incident_id, number)
    if task is None or task.status not in (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED):
        word = status_word(task.status.value, language) if task else t("unknown_status", language)
        await callback.answer(
            t("task_closed", language, number=number, status=word), show_alert=True
        )
        return
    message = callback.message
    await state.set_state(TaskOutcome.outcome)
    await state.update_data(
        incident=incident_id,
        number=number,
        chat=message.chat.id if message else None,
        message=message.message_id if message else None,
    )
    await callback.answer()
    if message is not None:
        await message.answer(t("task_ask_outcome", language, number=number, target=task.title))


async def outcome(
    message: Message, app: Services, person: Person, state: FSMContext, bot: Bot
) -> None:
    """The outcome text: the task is done."""
    data = await state.get_data()
    number = int(data["number"])
    try:
        change = await tasks.change(
            db=app.db,
            plan=app.plan,
            incident_id=int(data["incident"]),
            number=number,
            actor_id=person.id,
            status=TaskStatus.DONE,
            channel=CHANNEL,
            outcome=(message.text or "").strip(),
        )
    except InputRefusedError:  # no outcome: ask again, the dialogue stays open
        async with app.db.transaction() as tx:
            task = await tx.tasks.get(int(data["incident"]), number)
        title = task.title if task else ""
        await message.answer(t("task_ask_outcome", person.language, number=number, target=title))
        return
    await state.clear()
    if data.get("chat") and data.get("message"):
        with suppress(TelegramBadRequest):
            await bot.edit_message_reply_markup(
                chat_id=int(data["chat"]), message_id=int(data["message"]), reply_markup=None
            )
    language = person.language
    status = status_word(change.task.status.value, language)
    key = "task" if change.changed else "task_same"
    await message.answer(
        i18n.t(key, language, number=number, target=change.task.title, status=status)
        + (t("task_outcome_logged", language) if change.changed else "")
    )


async def _task(
    callback: CallbackQuery, app: Services, person: Person, incident_id: int, number: int, verb: str
) -> None:
    wanted = TaskStatus.ACCEPTED if verb == kb.TASK_ACCEPT else TaskStatus.DECLINED
    change = await tasks.change(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        number=number,
        actor_id=person.id,
        status=wanted,
        channel=CHANNEL,
    )
    language = person.language
    status = status_word(change.task.status.value, language)
    if wanted is TaskStatus.ACCEPTED:
        await callback.answer(
            t("task_yours", language, number=number)
            if change.changed
            else t("task_already", language, status=status)
        )
        if isinstance(callback.message, Message):
            with suppress(TelegramBadRequest):
                await callback.message.edit_reply_markup(
                    reply_markup=kb.without(callback.message.reply_markup, callback.data or "")
                )
        return
    offered = app.plan.directory.person(change.offered_to) if change.offered_to else None
    answer = (
        t("task_declined_offered", language, number=number, name=offered.name)
        if offered
        else t("task_declined", language, number=number)
    )
    await callback.answer(answer, show_alert=True)
    await _edit(callback, t("task_declined_mark", language, number=number, status=status))


async def _step(
    callback: CallbackQuery, app: Services, person: Person, incident_id: int, position: int
) -> None:
    step = await steps.finish(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        step_ref=str(position),
        actor_id=person.id,
        channel=CHANNEL,
    )
    app.outbox.wake()
    async with app.db.transaction() as tx:
        active = [s for s in await tx.steps.list(incident_id) if s.status is StepStatus.ACTIVE]
    language = person.language
    text = t("step_done", language, position=step.position, title=step.title)
    if active:
        text += t("step_next", language, position=active[0].position, title=active[0].title)
    await callback.answer(t("recorded", language))
    await _edit(callback, t("step_done_mark", language, position=step.position))
    if isinstance(callback.message, Message):
        await callback.message.answer(text)


async def _close(callback: CallbackQuery, app: Services, person: Person, incident_id: int) -> None:
    result = await standdown.close(
        db=app.db, plan=app.plan, incident_id=incident_id, actor_id=person.id, channel=CHANNEL
    )
    app.outbox.wake()
    language = person.language
    await callback.answer(t("closed_answer", language))
    await _edit(callback, t("closed_mark", language))
    if isinstance(callback.message, Message):
        text = i18n.t("closed", language, nr=incident_id, messages=result.messages)
        await callback.message.answer(text)


async def _edit(callback: CallbackQuery, mark: str) -> None:
    """Show the result under the message's text and remove its buttons."""
    message = callback.message
    if not isinstance(message, Message) or message.text is None:
        return
    text = message.text if message.text.endswith(mark) else f"{message.text}\n\n{mark}"
    with suppress(TelegramBadRequest):  # "message is not modified" on a repeated press
        await message.edit_text(text[:4096], reply_markup=None)


def build() -> Router:
    """This module's router, new for each dispatcher, handlers in matching order."""
    router = Router(name=__name__)
    router.callback_query.register(pressed, F.data)
    router.message.register(
        outcome, StateFilter(TaskOutcome.outcome), F.text, ~F.text.startswith("/")
    )
    return router
