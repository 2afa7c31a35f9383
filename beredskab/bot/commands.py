"""/status, /log (and replies to incident messages), /opgaver, /afslut and /hjaelp."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.types import Message

from beredskab import access, audit, report, situation_log
from beredskab.bot import keyboards as kb
from beredskab.bot.common import CHANNEL, number_arg, open_incidents, pick_incident
from beredskab.i18n import status as status_word
from beredskab.i18n import t
from beredskab.models import ConfirmationStatus, Incident, IncidentStatus, StepStatus, TaskStatus
from beredskab.notifications import LOCAL_TZ
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.app import App

OPEN_TASK = (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED)
MAX_LISTED = 10

HELP = """Beredskabet på Telegram – kommandoer:
/aktiver – aktivér en beredskabsgruppe (du bekræfter med en knap til sidst)
/ovelse – det samme som øvelse: ØVELSE står på alle beskeder
/status [nr] – åbne hændelser, eller én hændelse: bekræftelser, aktuelt trin, opgaver
/log [nr] tekst – skriv i situationsloggen (eller svar direkte på en alarmbesked)
/opgaver – dine åbne opgaver med knapper: Jeg tager den, Udført, Kan ikke
/afslut [nr] – afblæs en hændelse (projektchef og de, der må aktivere; med bekræftelse)
/annuller – afbryd en igangværende dialog
/start – tilknyt denne chat ved at dele dit telefonnummer
/hjaelp – denne hjælp
Tryk Modtaget eller Kan ikke under en alarm for at svare."""


async def help_(message: Message) -> None:
    """The commands, in Danish."""
    await message.answer(HELP)


async def status(message: Message, app: App, person: Person) -> None:
    """Open incidents, or one incident with its current step and a Udført button."""
    nr, valid = number_arg(message.text)
    if not valid:
        await message.answer("Skriv /status eller /status <nr>, fx /status 3.")
        return
    if nr is None:
        found = await open_incidents(app)
        if len(found) != 1:
            lines = [f"{i.id}: {i.playbook_name} – {i.title}" for i in found]
            await message.answer(
                "Åbne hændelser:\n" + "\n".join(lines) + "\nSkriv /status <nr> for detaljer."
                if lines
                else "Ingen åbne hændelser."
            )
            return
        nr = found[0].id
    picked = await pick_incident(app, nr)
    if isinstance(picked, str):
        await message.answer(picked)
        return
    view = await report.overview(db=app.db, incident_id=picked.id)
    text, step_position = _describe(app, view)
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
        )
    await message.answer(text, reply_markup=markup)


def _describe(app: App, view: report.Overview) -> tuple[str, int | None]:
    """The status text and the position of the active step (None when closed or none)."""
    i = view.incident
    names = {p.id: p.name for p in app.plan.directory.people}
    confirmed = sum(c.status is ConfirmationStatus.CONFIRMED for c in view.confirmations)
    declined = sum(c.status is ConfirmationStatus.DECLINED for c in view.confirmations)
    lines = [
        f"Hændelse {i.id}: {i.playbook_name}{' (ØVELSE)' if i.drill else ''} – "
        f"{status_word(i.status.value)}",
        i.title,
        f"Zone: {i.zone or 'hele området'}",
        f"Bekræftet: {confirmed}/{len(view.confirmations)}"
        + (f" ({declined} kan ikke)" if declined else ""),
    ]
    active = next((s for s in view.steps if s.status is StepStatus.ACTIVE), None)
    if i.status is IncidentStatus.ACTIVE and active is not None:
        due = active.due_at.astimezone(LOCAL_TZ).strftime("%H:%M")
        lines.append(
            f"Aktuelt trin: {active.position}. {active.title} "
            f"(ansvarlig: {app.plan.labels().get(active.owner_role, active.owner_role)}, "
            f"frist {due})"
        )
    open_tasks = [task for task in view.tasks if task.status in OPEN_TASK]
    lines.append(f"Åbne opgaver: {len(open_tasks)} af {len(view.tasks)}")
    for task in open_tasks[:MAX_LISTED]:
        who = names.get(task.assignee, task.assignee)
        lines.append(
            f"  {task.number}. {who} → {task.target_name} ({status_word(task.status.value)})"
        )
    if len(open_tasks) > MAX_LISTED:
        lines.append(f"  … og {len(open_tasks) - MAX_LISTED} flere")
    position = active.position if active and i.status is IncidentStatus.ACTIVE else None
    return "\n".join(lines), position


async def log(message: Message, command: CommandObject, app: App, person: Person) -> None:
    """Add a note to the only open incident, or to ``/log <nr> tekst``."""
    text = (command.args or "").strip()
    if not text:
        await message.answer("Skriv teksten efter /log, fx /log Politiet er på stedet.")
        return
    found = await open_incidents(app)
    target: Incident | None = found[0] if len(found) == 1 else None
    if len(found) > 1:
        first, _, rest = text.partition(" ")
        target = next((i for i in found if first.lstrip("#") == str(i.id)), None)
        text = rest.strip()
        if target is None or not text:
            numbers = ", ".join(str(i.id) for i in found)
            await message.answer(f"Flere hændelser er åbne ({numbers}). Skriv /log <nr> tekst.")
            return
    if target is None:
        await message.answer("Der er ingen åben hændelse at skrive i.")
        return
    await _add_note(message, app, person, target.id, text)


async def reply_to_incident(message: Message, app: App, person: Person) -> None:
    """A reply to an incident message becomes a log entry of that incident."""
    replied = message.reply_to_message
    assert replied is not None
    async with app.db.transaction() as tx:
        delivery = await tx.deliveries.by_provider_id(f"{message.chat.id}:{replied.message_id}")
    if delivery is None or delivery.incident_id is None:
        await message.answer(
            "Jeg kan ikke se, hvilken hændelse beskeden hører til. Svar på en alarmbesked, "
            "eller skriv /log <nr> tekst."
        )
        return
    await _add_note(message, app, person, delivery.incident_id, message.text or "")


async def _add_note(
    message: Message, app: App, person: Person, incident_id: int, text: str
) -> None:
    entry = await situation_log.add_entry(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        actor_id=person.id,
        text=text,
        channel=CHANNEL,
    )
    await message.answer(t("logged", seq=entry.seq, nr=incident_id))


async def my_tasks(message: Message, app: App, person: Person) -> None:
    """Each open task of mine as a message with Jeg tager den / Udført / Kan ikke."""
    mine = []
    for incident in await open_incidents(app):
        async with app.db.transaction() as tx:
            tasks = await tx.tasks.list(incident.id, assignee=person.id)
        mine += [task for task in tasks if task.status in OPEN_TASK]
    if not mine:
        await message.answer("Du har ingen åbne opgaver.")
        return
    await message.answer(f"Du har {len(mine)} åbne opgaver:")
    for task in mine:
        verbs = [kb.TASK_DONE, kb.TASK_DECLINE]
        if task.status is TaskStatus.ASSIGNED:
            verbs.insert(0, kb.TASK_ACCEPT)
        markup = await kb.token_keyboard(
            app,
            person_id=person.id,
            incident_id=task.incident_id,
            actions=[kb.Action(v, task.incident_id, task.number) for v in verbs],
        )
        zone = f", zone {task.zone}" if task.zone else ""
        await message.answer(
            f"Hændelse {task.incident_id}, opgave {task.number}: kontakt {task.target_name}"
            f"{zone}. Status: {status_word(task.status.value)}.",
            reply_markup=markup,
        )


async def close(message: Message, app: App, person: Person) -> None:
    """Ask the chief (or an activator) to confirm the stand-down with a button."""
    nr, valid = number_arg(message.text)
    picked = await pick_incident(app, nr) if valid else "Skriv /afslut eller /afslut <nr>."
    if isinstance(picked, str):
        await message.answer(picked.replace("/status", "/afslut"))
        return
    if picked.status is not IncidentStatus.ACTIVE:
        await message.answer(f"Hændelse {picked.id} er allerede afsluttet.")
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
        await message.answer(
            "Kun projektchefen og de, der må aktivere gruppen, kan afslutte en hændelse. "
            "Forsøget er registreret."
        )
        return
    markup = await kb.token_keyboard(
        app,
        person_id=person.id,
        incident_id=picked.id,
        actions=[kb.Action(kb.CLOSE, picked.id), kb.Action(kb.KEEP, picked.id)],
    )
    await message.answer(
        f"Afslut hændelse {picked.id} ({picked.playbook_name}: {picked.title})? "
        "Alle, der er underrettet, får besked om afblæsningen.",
        reply_markup=markup,
    )


async def unknown(message: Message) -> None:
    """Anything else."""
    await message.answer("Det forstod jeg ikke. Skriv /hjaelp for at se, hvad du kan.")


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
