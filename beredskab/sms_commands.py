"""Inbound SMS commands: the sender's number identifies the person, the grammar in
``beredskab.sms`` gives the command, the use cases do the work, one short SMS answers.

Unknown numbers get no reply and change nothing. Replies to errors and help are passive
(limited per number); replies that report a change are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from argon2 import PasswordHasher

from beredskab import (
    acknowledgements,
    activation,
    pins,
    replies,
    report,
    situation_log,
    sms,
    standdown,
    tasks,
)
from beredskab.errors import (
    BeredskabError,
    InvalidStateError,
    NotAuthorisedError,
    NotFoundError,
    render,
)
from beredskab.i18n import Language, clock
from beredskab.i18n import status as status_word
from beredskab.incident import facts
from beredskab.incident import police_case as journal
from beredskab.models import ConfirmationStatus, Incident, IncidentStatus, StepStatus, TaskStatus
from beredskab.preparedness import answers as preparedness
from beredskab.residents import inbound as residents
from beredskab.security.bounds import InputRefusedError
from beredskab.sms_texts import text
from beredskab.storage import Tx
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.app import App

CHANNEL = "sms"


@dataclass(frozen=True)
class _Answer:
    """What to reply and what to log in the inbox."""

    text: str
    outcome: str
    passive: bool = False


@dataclass(frozen=True)
class _Ctx:
    app: App
    person: Person
    phone: str
    hasher: PasswordHasher

    @property
    def lang(self) -> Language:
        return self.person.language

    def t(self, key: str, **values: object) -> str:
        return text(key, self.lang, **values)

    def error(self, key: str, outcome: str, **values: object) -> _Answer:
        return _Answer(self.t(key, **values), outcome, passive=True)


async def handle(
    *,
    app: App,
    sender: str,
    body: str,
    hasher: PasswordHasher = pins.DEFAULT_HASHER,
    opt_out: str = "",
) -> str:
    """Run one inbound SMS as a command and queue the reply; returns the outcome for the log.

    ``hasher`` hashes PINs again when their parameters are outdated (tests pass a cheap one).
    ``opt_out`` is Twilio's ``OptOutType`` (``beredskab.residents.inbound``).
    """
    person = app.plan.directory.by_phone(sender.strip())
    if person is None or residents.twilio_stop(opt_out):
        return await _resident(app, sender.strip(), sms.parse(body), opt_out)
    ctx = _Ctx(app=app, person=person, phone=sender.strip(), hasher=hasher)
    command = sms.parse(body)
    try:
        answer = await _dispatch(ctx, command)
    except NotAuthorisedError:
        answer = ctx.error("refused", f"{type(command).__name__.lower()}: refused")
    except BeredskabError as exc:
        detail = (str(exc).splitlines() or [type(exc).__name__])[0][:140]
        shown = (render(exc, ctx.lang).splitlines() or [detail])[0][:140]
        answer = ctx.error("failed", f"{type(command).__name__.lower()}: {detail}", detail=shown)
    sent = await _reply(ctx, answer) if answer.text else True
    app.outbox.wake()
    return answer.outcome if sent else f"{answer.outcome} (reply suppressed: passive limit)"


async def _resident(app: App, phone: str, command: sms.Command, opt_out: str = "") -> str:
    """Resident keywords from any number; everything else from an unknown number is refused."""
    if not residents.accepts(command, phone=phone, opt_out=opt_out):
        return "unknown number"
    passive = app.settings.security.passive_replies_per_hour
    outcome = await residents.handle(
        db=app.db, phone=phone, command=command, opt_out=opt_out, passive_per_hour=passive
    )
    app.outbox.wake()
    return outcome


async def _reply(ctx: _Ctx, answer: _Answer, tx: Tx | None = None) -> bool:
    if tx is not None:
        return await replies.sms_reply(
            tx,
            to=ctx.phone,
            text=answer.text,
            person_id=ctx.person.id,
            passive=answer.passive,
            passive_per_hour=ctx.app.settings.security.passive_replies_per_hour,
        )
    async with ctx.app.db.transaction() as own:
        return await _reply(ctx, answer, own)


async def _dispatch(ctx: _Ctx, command: sms.Command) -> _Answer:
    match command:
        case sms.Activate():
            return await _activate(ctx, command)
        case sms.Ack(code) | sms.Decline(code):
            return await _acknowledge(ctx, code, decline=isinstance(command, sms.Decline))
        case sms.Yes():
            return await _yes(ctx)
        case sms.Status(number):
            return await _status(ctx, number)
        case sms.Log(entry):
            return await _log(ctx, entry)
        case sms.TaskAction():
            return await _task(ctx, command)
        case sms.Journal():
            return await _journal(ctx, command)
        case sms.Close():
            return await _close(ctx, command)
        case sms.Help():
            return ctx.error("help", "help")
        case sms.Subscribe() | sms.Unsubscribe():
            return _Answer("", await _resident(ctx.app, ctx.phone, command))
        case sms.Malformed(keyword, message, message_en):
            chosen = message_en if ctx.lang == "en" else message
            return _Answer(chosen, f"malformed {keyword}", passive=True)
        case sms.Unknown(hint, hint_en):
            return _Answer(hint_en if ctx.lang == "en" else hint, "unknown command", passive=True)
    raise AssertionError(f"unhandled command {command!r}")


async def _pin_refused(ctx: _Ctx, tx: Tx, pin: str) -> _Answer | None:
    """Check the PIN in ``tx``; the refusal answer (committed with the failure), or None."""
    result = await pins.check(
        tx,
        person_id=ctx.person.id,
        phone=ctx.phone,
        pin=pin,
        settings=ctx.app.settings.security,
        plan=ctx.app.plan,
        hasher=ctx.hasher,
    )
    if result.ok:
        return None
    if result.status is pins.PinStatus.NO_PIN:
        answer = ctx.error("no_pin", "pin: none set")
    elif result.status is pins.PinStatus.WRONG:
        answer = ctx.error("wrong_pin", "pin: wrong", remaining=result.remaining)
    else:
        assert result.until is not None
        until = clock(result.until, now=tx.now, language=ctx.lang)
        outcome = "pin: locked now" if result.locked_now else "pin: locked"
        answer = ctx.error("locked", outcome, until=until)
    await _reply(ctx, answer, tx)
    return _Answer("", answer.outcome)


async def _activate(ctx: _Ctx, command: sms.Activate) -> _Answer:
    playbook = ctx.app.plan.playbook(command.playbook)
    if playbook is None:
        choices = " eller ".join(str(p.number) for p in ctx.app.plan.playbooks.playbooks)
        return ctx.error("no_playbook", "activate: unknown group", choices=choices)
    async with ctx.app.db.transaction() as tx:
        refused = await _pin_refused(ctx, tx, command.pin)
    if refused is not None:
        return refused
    try:
        result = await activation.activate(
            db=ctx.app.db,
            plan=ctx.app.plan,
            playbook=playbook.id,
            actor_id=ctx.person.id,
            channel=CHANNEL,
            description=command.description,
            police_case=command.police_case or None,
            police_case_pending=command.police_case_pending,
        )
    except NotAuthorisedError:
        return ctx.error("refused_activate", "activate: refused", gruppe=playbook.name)
    except journal.PoliceCaseRequired:
        return ctx.error("police_case_needed", "activate: no journal number", nr=playbook.number)
    except journal.NoPoliceCase:
        return ctx.error("police_case_group1", "activate: journal number for group 1")
    nr = result.incident.id
    extra = ""
    if result.halted is not None:
        extra += " " + ctx.t("sms_drill_halted", drill=result.halted.id)
    if result.police_case_missing:
        extra += " " + ctx.t("sms_police_case_missing", nr=nr)
    if result.joined:
        return _Answer(
            ctx.t("joined", nr=nr, gruppe=playbook.name) + extra,
            f"activate: joined incident {nr}",
        )
    halted = f", drill {result.halted.id} halted" if result.halted else ""
    return _Answer(
        ctx.t(
            "activated_streaming" if result.pending else "activated",
            nr=nr,
            gruppe=playbook.name,
            participants=result.participants,
        )
        + extra,
        f"activate: incident {nr} opened, {result.participants} notified{halted}",
    )


async def _acknowledge(ctx: _Ctx, code: int | None, *, decline: bool) -> _Answer:
    verb = "decline" if decline else "ack"
    async with ctx.app.db.read() as tx:  # one indexed query, without the write lock
        request = await tx.deliveries.ack_target(
            ctx.phone, incident_id=code, pending_only=code is None
        )
    if request is None:
        if code is None:
            return ctx.error("nothing_to_confirm", f"{verb}: nothing open")
        return ctx.error("not_asked", f"{verb}: incident {code} not sent here", nr=code)
    nr = request.incident_id
    if not request.incident_open:
        return ctx.error("already_closed", f"{verb}: incident {nr} closed", nr=nr)
    result = await acknowledgements.record(
        db=ctx.app.db,
        plan=ctx.app.plan,
        incident_id=nr,
        person_id=request.person_id,
        via=CHANNEL,
        decline=decline,
    )
    if not result.changed:
        now = status_word(result.confirmation.status.value, ctx.lang)
        return _Answer(ctx.t("ack_same", nr=nr, status=now), f"{verb}: unchanged")
    if not decline:
        return _Answer(ctx.t("acked", nr=nr), f"ack: incident {nr}")
    deputy = ctx.app.plan.directory.person(result.deputy) if result.deputy else None
    key = "declined_deputy" if deputy else "declined"
    return _Answer(
        ctx.t(key, nr=nr, deputy=deputy.name if deputy else ""),
        f"decline: incident {nr}" + (f", deputy {deputy.id} asked" if deputy else ""),
    )


async def _yes(ctx: _Ctx) -> _Answer:
    """JA: the newest open sign-off or contact verification request sent to this number."""
    answered = await preparedness.answer_sms_yes(app=ctx.app, person=ctx.person, phone=ctx.phone)
    if answered is None:
        return _Answer(preparedness.nothing_open(ctx.lang), "yes: nothing open", passive=True)
    return _Answer(*answered)


async def _my_incident(tx: Tx, person: Person) -> Incident | None:
    """The newest open incident the person takes part in, else the newest open one."""
    open_incidents = await tx.incidents.recent(open_only=True, limit=10)
    for incident in open_incidents:
        if await tx.incidents.confirmation(incident.id, person.id) is not None:
            return incident
        if await tx.tasks.list(incident.id, assignee=person.id):
            return incident
    return open_incidents[0] if open_incidents else None


async def _status(ctx: _Ctx, number: int | None) -> _Answer:
    if number is None:
        async with ctx.app.db.transaction() as tx:
            incident = await _my_incident(tx, ctx.person)
        if incident is None:
            return ctx.error("no_open", "status: no open incident")
        number = incident.id
    async with ctx.app.db.transaction() as tx:
        if await tx.incidents.get(number) is None:
            return ctx.error("no_incident", f"status: no incident {number}", nr=number)
    view = await report.overview(db=ctx.app.db, incident_id=number)
    confirmations = view.confirmations
    tasks_open = [t for t in view.tasks if t.status is not TaskStatus.CANCELLED]
    values = {
        "nr": number,
        "gruppe": view.incident.playbook_name,
        "facts": facts.facts_line(ctx.app.plan, view.incident, ctx.lang, sep=", "),
        "state": status_word(
            "active" if view.incident.status is IncidentStatus.ACTIVE else "closed", ctx.lang
        ),
        "confirmed": sum(c.status is ConfirmationStatus.CONFIRMED for c in confirmations),
        "asked": len(confirmations),
        "declined": sum(c.status is ConfirmationStatus.DECLINED for c in confirmations),
        "steps_done": sum(s.status in (StepStatus.DONE, StepStatus.SKIPPED) for s in view.steps),
        "steps": len(view.steps),
        "tasks_done": sum(t.status is TaskStatus.DONE for t in tasks_open),
        "tasks": len(tasks_open),
    }
    return _Answer(ctx.t("status", **values), f"status: incident {number}")


async def _log(ctx: _Ctx, entry: str) -> _Answer:
    async with ctx.app.db.transaction() as tx:
        incident = await _my_incident(tx, ctx.person)
    if incident is None:
        return ctx.error("no_open", "log: no open incident")
    try:
        added = await situation_log.add_entry(
            db=ctx.app.db,
            plan=ctx.app.plan,
            incident_id=incident.id,
            actor_id=ctx.person.id,
            text=entry,
            channel=CHANNEL,
        )
    except NotAuthorisedError:
        return ctx.error("refused_log", "log: refused", nr=incident.id)
    return _Answer(
        ctx.t("logged", nr=incident.id, seq=added.seq),
        f"log: incident {incident.id} entry {added.seq}",
    )


async def _task_incident(tx: Tx, person: Person, number: int) -> Incident | None:
    """The open incident where task ``number`` is the person's, else any open one having it."""
    fallback: Incident | None = None
    for incident in await tx.incidents.recent(open_only=True, limit=10):
        task = await tx.tasks.get(incident.id, number)
        if task is None:
            continue
        if task.assignee == person.id:
            return incident
        fallback = fallback or incident
    return fallback


async def _task(ctx: _Ctx, command: sms.TaskAction) -> _Answer:
    async with ctx.app.db.transaction() as tx:
        incident = await _task_incident(tx, ctx.person, command.number)
    if incident is None:
        return ctx.error("no_task", "task: not found", number=command.number)
    try:
        result = await tasks.change(
            db=ctx.app.db,
            plan=ctx.app.plan,
            incident_id=incident.id,
            number=command.number,
            actor_id=ctx.person.id,
            status=command.status,
            channel=CHANNEL,
            outcome=command.outcome or None,
        )
    except NotAuthorisedError:
        return ctx.error("refused_task", "task: refused", number=command.number)
    except InputRefusedError:
        return ctx.error("task_outcome", "task: outcome missing", number=command.number)
    values = {
        "number": command.number,
        "nr": incident.id,
        "target": result.task.title,
        "status": status_word(result.task.status.value, ctx.lang),
    }
    key = "task" if result.changed else "task_same"
    outcome = f"task {command.number} of incident {incident.id}: {result.task.status.value}"
    return _Answer(ctx.t(key, **values), outcome)


async def _close(ctx: _Ctx, command: sms.Close) -> _Answer:
    nr = command.incident
    async with ctx.app.db.transaction() as tx:
        incident = await tx.incidents.get(nr)
        if incident is None:
            return ctx.error("no_incident", f"close: no incident {nr}", nr=nr)
        if incident.status is not IncidentStatus.ACTIVE:
            return ctx.error("already_closed", f"close: incident {nr} already closed", nr=nr)
        refused = await _pin_refused(ctx, tx, command.pin)
    if refused is not None:
        return refused
    try:
        result = await standdown.close(
            db=ctx.app.db,
            plan=ctx.app.plan,
            incident_id=nr,
            actor_id=ctx.person.id,
            channel=CHANNEL,
        )
    except NotAuthorisedError:
        return ctx.error("refused_close", "close: refused", nr=nr)
    return _Answer(
        ctx.t("closed", nr=nr, messages=result.messages),
        f"close: incident {nr} closed",
    )


async def _journal(ctx: _Ctx, command: sms.Journal) -> _Answer:
    """JOURNAL <nr> <journalnr>: set or correct the police journal number."""
    nr = command.incident
    try:
        result = await facts.set_facts(
            db=ctx.app.db,
            plan=ctx.app.plan,
            incident_id=nr,
            actor_id=ctx.person.id,
            channel=CHANNEL,
            police_case=command.police_case,
        )
    except NotAuthorisedError:
        return ctx.error("refused_journal", "journal: refused", nr=nr)
    except NotFoundError:
        return ctx.error("no_incident", f"journal: no incident {nr}", nr=nr)
    except facts.NoPoliceCaseError:
        async with ctx.app.db.transaction() as tx:
            incident = await tx.incidents.get(nr)
        gruppe = incident.playbook_name if incident else ""
        return ctx.error(
            "journal_no_case", f"journal: incident {nr} has no police case", nr=nr, gruppe=gruppe
        )
    except InvalidStateError:
        return ctx.error("already_closed", f"journal: incident {nr} closed", nr=nr)
    case = result.incident.police_case or ""
    if not result.changed:
        return _Answer(ctx.t("journal_same", nr=nr, case=case), f"journal: incident {nr} unchanged")
    return _Answer(ctx.t("journal_set", nr=nr, case=case), f"journal: incident {nr} set")
