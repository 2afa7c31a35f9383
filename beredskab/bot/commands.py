"""/status, /log (and replies to incident messages), /opgaver, /afslut and /hjaelp."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.types import Message

from beredskab import i18n, report
from beredskab.bot import keyboards as kb
from beredskab.bot.common import CHANNEL, number_arg, open_incidents, pick_incident
from beredskab.bot.texts import t
from beredskab.i18n import Language, clock
from beredskab.i18n import status as status_word
from beredskab.incident import facts, need_to_know, situation_log
from beredskab.models import ConfirmationStatus, Incident, IncidentStatus, StepStatus, TaskStatus
from beredskab.security import access, audit
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.services import Services

OPEN_TASK = (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED)
MAX_LISTED = 10


async def help_(message: Message, language: Language) -> None:
    """The commands, in the user's language."""
    await message.answer(t("help", language))


async def status(message: Message, app: Services, person: Person, language: Language) -> None:
    """Open incidents, or one incident with its current step and a Udført button."""
    nr, valid = number_arg(message.text)
    if not valid:
        await message.answer(t("status_usage", language))
        return
    if nr is None:
        found = await open_incidents(app)
        if len(found) != 1:
            lines = [f"{i.id}: {i.playbook_name} – {i.title}" for i in found]
            await message.answer(
                t("status_list", language, lines="\n".join(lines))
                if lines
                else t("status_none", language)
            )
            return
        nr = found[0].id
    picked = await pick_incident(app, nr, language)
    if isinstance(picked, str):
        await message.answer(picked)
        return
    view = await report.overview(db=app.db, incident_id=picked.id)
    view = need_to_know.redact(app.plan, person, view)  # names and journal no.: need to know
    text, step_position = _describe(app, view, language)
    markup = None
    incident = view.incident
    playbook = app.plan.playbook(incident.playbook_id)
    step = next((s for s in view.steps if s.position == step_position), None)
    if step is not None and access.has_role(
        person, [step.owner_role, playbook.leader_role if playbook else "projektchef"]
    ):
        markup = await kb.token_keyboard(
            app,
            person_id=person.id,
            incident_id=incident.id,
            actions=[kb.Action(kb.STEP_DONE, incident.id, step.position)],
            language=language,
        )
    await message.answer(text, reply_markup=markup)


def _describe(app: Services, view: report.Overview, language: Language) -> tuple[str, int | None]:
    """The status text and the position of the active step (None when closed or none)."""
    i = view.incident
    names = {p.id: p.name for p in app.plan.directory.people}
    confirmed = sum(c.status is ConfirmationStatus.CONFIRMED for c in view.confirmations)
    declined = sum(c.status is ConfirmationStatus.DECLINED for c in view.confirmations)
    lines = [
        t(
            "status_head",
            language,
            nr=i.id,
            name=i.playbook_name,
            drill=t("status_drill", language) if i.drill else "",
            status=status_word(i.status.value, language),
        ),
        i.title,
        facts.facts_line(app.plan, i, language),
        t("status_confirmed", language, done=confirmed, total=len(view.confirmations))
        + (t("status_declined", language, count=declined) if declined else ""),
    ]
    active = next((s for s in view.steps if s.status is StepStatus.ACTIVE), None)
    if i.status is IncidentStatus.ACTIVE and active is not None:
        due = clock(active.due_at, now=datetime.now(UTC), language=language)
        lines.append(
            t(
                "status_step",
                language,
                position=active.position,
                title=active.title,
                owner=app.plan.labels().get(active.owner_role, active.owner_role),
                due=due,
            )
        )
    open_tasks = [task for task in view.tasks if task.status in OPEN_TASK]
    lines.append(t("status_tasks", language, open=len(open_tasks), total=len(view.tasks)))
    for task in open_tasks[:MAX_LISTED]:
        who = names.get(task.assignee, task.assignee)
        lines.append(
            f"  {task.number}. {who} → {task.title} ({status_word(task.status.value, language)})"
        )
    if len(open_tasks) > MAX_LISTED:
        lines.append(t("status_more", language, count=len(open_tasks) - MAX_LISTED))
    position = active.position if active and i.status is IncidentStatus.ACTIVE else None
    return "\n".join(lines), position


async def log(
    message: Message, command: CommandObject, app: Services, person: Person, language: Language
) -> None:
    """Add a note to the only open incident, or to ``/log <nr> tekst``."""
    text = (command.args or "").strip()
    if not text:
        await message.answer(t("log_usage", language))
        return
    found = await open_incidents(app)
    target: Incident | None = found[0] if len(found) == 1 else None
    if len(found) > 1:
        first, _, rest = text.partition(" ")
        target = next((i for i in found if first.lstrip("#") == str(i.id)), None)
        text = rest.strip()
        if target is None or not text:
            numbers = ", ".join(str(i.id) for i in found)
            await message.answer(t("log_several", language, numbers=numbers))
            return
    if target is None:
        await message.answer(t("log_none", language))
        return
    await _add_note(message, app, person, target.id, text)


async def reply_to_incident(
    message: Message, app: Services, person: Person, language: Language
) -> None:
    """A reply to an incident message becomes a log entry of that incident."""
    replied = message.reply_to_message
    assert replied is not None
    async with app.db.transaction() as tx:
        delivery = await tx.deliveries.by_provider_id(f"{message.chat.id}:{replied.message_id}")
    if delivery is None or delivery.incident_id is None:
        await message.answer(t("reply_unknown", language))
        return
    await _add_note(message, app, person, delivery.incident_id, message.text or "")


async def _add_note(
    message: Message, app: Services, person: Person, incident_id: int, text: str
) -> None:
    entry = await situation_log.add_entry(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        actor_id=person.id,
        text=text,
        channel=CHANNEL,
    )
    await message.answer(i18n.t("logged", person.language, seq=entry.seq, nr=incident_id))


async def my_tasks(message: Message, app: Services, person: Person, language: Language) -> None:
    """Each open task of mine as a message with Jeg tager den / Udført / Kan ikke."""
    mine = []
    for incident in await open_incidents(app):
        async with app.db.transaction() as tx:
            tasks = await tx.tasks.list(incident.id, assignee=person.id)
        mine += [task for task in tasks if task.status in OPEN_TASK]
    if not mine:
        await message.answer(t("tasks_none", language))
        return
    await message.answer(t("tasks_count", language, count=len(mine)))
    for task in mine:
        verbs = [kb.TASK_DONE, kb.TASK_DECLINE]
        if task.status is TaskStatus.ASSIGNED:
            verbs.insert(0, kb.TASK_ACCEPT)
        markup = await kb.token_keyboard(
            app,
            person_id=person.id,
            incident_id=task.incident_id,
            actions=[kb.Action(v, task.incident_id, task.number) for v in verbs],
            language=language,
        )
        zone = t("task_zone", language, zone=task.zone) if task.zone else ""
        line = t(
            "task_line",
            language,
            nr=task.incident_id,
            number=task.number,
            target=task.title,
            zone=zone,
            status=status_word(task.status.value, language),
        )
        if task.text is not None:
            giver = app.plan.directory.person(task.created_by or "")
            due = (
                f" ({clock(task.due_at, now=datetime.now(UTC), language=language)})"
                if task.due_at
                else ""
            )
            line = t(
                "task_line_chief",
                language,
                nr=task.incident_id,
                number=task.number,
                by=giver.name if giver else task.created_by,
                text=task.text,
                due=due,
                status=status_word(task.status.value, language),
            )
        await message.answer(line, reply_markup=markup)


async def close(message: Message, app: Services, person: Person, language: Language) -> None:
    """Ask the chief (or an activator) to confirm the stand-down with a button."""
    nr, valid = number_arg(message.text)
    picked = await pick_incident(app, nr, language) if valid else t("close_usage", language)
    if isinstance(picked, str):
        await message.answer(picked.replace("/status", "/afslut"))
        return
    if picked.status is not IncidentStatus.ACTIVE:
        await message.answer(t("close_already", language, nr=picked.id))
        return
    playbook = app.plan.playbook(picked.playbook_id)
    roles = (playbook.leader_role, *playbook.activation.roles) if playbook else ()
    if not access.has_role(person, roles):
        await audit.refusal(
            app.db,
            actor=person.id,
            action="close",
            channel=CHANNEL,
            detail=f"{person.id} may not stand down incident {picked.id}",
            incident_id=picked.id,
        )
        await message.answer(t("close_refused", language))
        return
    markup = await kb.token_keyboard(
        app,
        person_id=person.id,
        incident_id=picked.id,
        actions=[kb.Action(kb.CLOSE, picked.id), kb.Action(kb.KEEP, picked.id)],
        language=language,
    )
    ask = t("close_ask", language, nr=picked.id, name=picked.playbook_name, title=picked.title)
    await message.answer(ask, reply_markup=markup)


async def unknown(message: Message, language: Language) -> None:
    """Anything else."""
    await message.answer(t("unknown", language))


def build() -> Router:
    """This module's router, new for each dispatcher, handlers in matching order."""
    router = Router(name=__name__)
    router.message.register(help_, Command("hjaelp", "hjælp", "help"))
    router.message.register(status, Command("status"))
    router.message.register(log, Command("log"))
    router.message.register(
        reply_to_incident, StateFilter(None), F.text, F.reply_to_message, ~F.text.startswith("/")
    )
    router.message.register(my_tasks, Command("opgaver"))
    router.message.register(close, Command("afslut"))
    router.message.register(unknown, StateFilter(None))
    return router
