"""/kommunikation: crisis communications from Telegram, thin adapters over
``beredskab.communications`` (the rules — who drafts and approves, valid audiences, the press
after the board, sent once — live there).

    /kommunikation [nr]                         the incident's communications, with buttons
    /kommunikation <nr> ny <målgruppe> [...]    draft for one or more audiences
    /kommunikation <nr> tekst <id> <emne> | <tekst>
    /kommunikation <nr> godkend|send|kasser <id>

Each listed draft or approved communication gets the buttons its reader may press (Godkend
for the leader, Send once approved), each an opaque per-person token (``keyboards``), handled
by ``callbacks.pressed`` through ``pressed_step`` here. Registered before ``commands``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from beredskab import communications
from beredskab.bot import keyboards as kb
from beredskab.bot.common import CHANNEL, drop_buttons, pick_incident, reply
from beredskab.bot.texts import t
from beredskab.boundary import bounds
from beredskab.i18n import Language
from beredskab.storage.repositories.communications import Communication, CommunicationStatus
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.services import Services

WORDS: dict[str, str] = {
    "bestyrelse": "board",
    "bestyrelsen": "board",
    "drift": "operations",
    "partnere": "partners",
    "beboere": "residents",
    "presse": "press",
    "pressen": "press",
    "institutioner": "institutions",
    "virksomheder": "businesses",
    "foreninger": "associations",
}
"""Danish audience words (the English ids are accepted as they are)."""
STEPS = {
    "godkend": "approve",
    "approve": "approve",
    "send": "send",
    "kasser": "discard",
    "discard": "discard",
}


def _audiences(words: list[str]) -> list[str]:
    """Audience ids from Danish words or English ids (the use case rejects unknown ones)."""
    return [WORDS.get(w.casefold(), w.casefold())[:32] for w in words]


async def _keyboard(
    app: Services, person: Person, item: Communication, language: Language
) -> InlineKeyboardMarkup | None:
    """The buttons this person may press for a communication (none when sent or set aside)."""
    playbook = None
    async with app.db.read() as tx:
        incident = await tx.incidents.get(item.incident_id)
    if incident is not None:
        playbook = app.plan.playbook(incident.playbook_id)
    if playbook is None:
        return None
    actions = []
    if item.status is CommunicationStatus.DRAFT and communications.may_approve(
        playbook=playbook, person=person
    ):
        actions.append(kb.Action(kb.COMM_APPROVE, item.incident_id, item.id))
    if item.status is CommunicationStatus.APPROVED and communications.may_draft(
        playbook=playbook, person=person
    ):
        actions.append(kb.Action(kb.COMM_SEND, item.incident_id, item.id))
    if not actions:
        return None
    return await kb.token_keyboard(
        app,
        person_id=person.id,
        incident_id=item.incident_id,
        actions=actions,
        language=language,
    )


async def command(message: Message, app: Services, person: Person, language: Language) -> None:
    """/kommunikation: list, draft, edit, approve, send or set aside."""
    args = (message.text or "").split()[1:]
    nr = bounds.parse_id(args[0].lstrip("#")) if args else None
    if args and nr is None:
        await message.answer(t("comms.usage", language))
        return
    if len(args) <= 1:
        await _list(message, app, person, language, nr)
        return
    verb = args[1].casefold()
    if verb in ("ny", "new") and len(args) > 2:
        item = await communications.draft(
            db=app.db,
            plan=app.plan,
            incident_id=nr or 0,
            actor_id=person.id,
            channel=CHANNEL,
            audience=_audiences(args[2:10]),
        )
        await message.answer(
            t("comms.drafted", language, id=item.id, nr=nr, audience=item.audience),
            reply_markup=await _keyboard(app, person, item, language),
        )
        return
    number = bounds.parse_id(args[2].lstrip("#")) if len(args) > 2 else None
    if verb in ("tekst", "text") and number is not None:
        body = (message.text or "").split(maxsplit=4)[4:]
        subject, bar, text = (body[0] if body else "").partition("|")
        if not bar:
            await message.answer(t("comms.usage", language))
            return
        await communications.edit(
            db=app.db,
            plan=app.plan,
            incident_id=nr or 0,
            communication_id=number,
            actor_id=person.id,
            channel=CHANNEL,
            subject=subject,
            text=text,
        )
        await message.answer(t("comms.saved", language, id=number))
        return
    if verb in STEPS and number is not None and len(args) == 3:
        await _step(message, app, person, language, nr or 0, number, STEPS[verb])
        return
    await message.answer(t("comms.usage", language))


async def _list(
    message: Message, app: Services, person: Person, language: Language, nr: int | None
) -> None:
    picked = await pick_incident(app, nr, language)
    if isinstance(picked, str):
        await message.answer(picked)
        return
    async with app.db.read() as tx:
        found = await tx.communications.list(picked.id)
    if not found:
        await message.answer(
            t("comms.none", language, nr=picked.id) + "\n\n" + t("comms.usage", language)
        )
        return
    for item in found[-10:]:
        text = t(
            "comms.row",
            language,
            id=item.id,
            audience=item.audience,
            status=item.status.value,
            subject=item.subject,
        )
        await message.answer(
            f"{text}\n\n{item.text}"[:4096],
            reply_markup=await _keyboard(app, person, item, language),
        )


async def _step(
    event: Message | CallbackQuery,
    app: Services,
    person: Person,
    language: Language,
    incident_id: int,
    number: int,
    step: str,
) -> None:
    """Approve, send or set aside one communication and say so (with the next button)."""
    markup = None
    if step == "approve":
        item = await communications.approve(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            communication_id=number,
            actor_id=person.id,
            channel=CHANNEL,
        )
        markup = await _keyboard(app, person, item, language)
        text = t("comms.approve", language, id=number)
    elif step == "send":
        result = await communications.send(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            communication_id=number,
            actor_id=person.id,
            channel=CHANNEL,
        )
        text = t("comms.send", language, id=number, n=len(result.recipients), r=result.residents)
    else:
        await communications.discard(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            communication_id=number,
            actor_id=person.id,
            channel=CHANNEL,
        )
        text = t("comms.discard", language, id=number)
    await reply(event, text, markup)


async def pressed_step(
    callback: CallbackQuery, app: Services, person: Person, incident_id: int, number: int, verb: str
) -> None:
    """A Godkend or Send button (its token already checked against the presser)."""
    step = "approve" if verb == kb.COMM_APPROVE else "send"
    await _step(callback, app, person, person.language, incident_id, number, step)
    await drop_buttons(callback)  # done: the button cannot be pressed twice
    await callback.answer()


def build() -> Router:
    """This module's router, new for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(command, Command("kommunikation", "communication"))
    return router
