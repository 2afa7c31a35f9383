"""Inbound SMS commands: the sender's number identifies the person, the grammar in
``beredskab.inbound.sms`` gives the command, the use cases do the work, one short SMS answers.

Unknown numbers get no reply and change nothing. Replies to errors and help are passive
(limited per number); replies that report a change are not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from argon2 import PasswordHasher

from beredskab import report
from beredskab.boundary.bounds import InputRefusedError
from beredskab.errors import (
    BeredskabError,
    InvalidStateError,
    NotAuthorisedError,
    NotFoundError,
)
from beredskab.i18n import clock
from beredskab.i18n import status as status_word
from beredskab.inbound import sms
from beredskab.inbound import sms_answers as answers
from beredskab.inbound import subscribe as residents
from beredskab.incident import activation, facts, need_to_know, situation_log, standdown, tasks
from beredskab.incident import police_case as journal
from beredskab.models import ConfirmationStatus, Incident, IncidentStatus, StepStatus, TaskStatus
from beredskab.preparedness import answers as preparedness
from beredskab.security import pins
from beredskab.storage import Tx
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.services import Services

CHANNEL = answers.CHANNEL
_Answer = answers.Answer
_Ctx = answers.Ctx
_reply = answers.reply


async def handle(
    *,
    app: Services,
    sender: str,
    body: str,
    hasher: PasswordHasher = pins.DEFAULT_HASHER,
    opt_out: str = "",
) -> str:
    """Run one inbound SMS as a command and queue the reply; returns the outcome for the log.

    "OK", "NEJ" and the answers to what is not a command run in one transaction with their
    reply (``inbound.sms_answers``; the inbox adds its processed mark to it). ``hasher``
    hashes PINs again when their parameters are outdated (tests pass a cheap one).
    ``opt_out`` is Twilio's ``OptOutType`` (``beredskab.inbound.subscribe``).
    """
    if answers.one_transaction(app=app, sender=sender, body=body, opt_out=opt_out):
        async with app.db.transaction() as tx:
            return await answers.handle_in(tx, app=app, sender=sender, body=body, hasher=hasher)
    phone = sender.strip()
    person = app.plan.directory.by_phone(phone)
    if person is None or residents.twilio_stop(opt_out):
        return await _resident(app, phone, sms.parse(body), opt_out)
    ctx = _Ctx(app=app, person=person, phone=phone, hasher=hasher)
    command = sms.parse(body)
    try:
        answer = await _dispatch(ctx, command)
    except BeredskabError as exc:
        answer = answers.refusal(ctx, command, exc)
    sent = await _reply(ctx, answer) if answer.text else True
    app.outbox.wake()
    return answers.outcome(answer, sent)


async def _resident(app: Services, phone: str, command: sms.Command, opt_out: str = "") -> str:
    """Resident keywords from any number; everything else from an unknown number is refused."""
    if not residents.accepts(command, phone=phone, opt_out=opt_out):
        return "unknown number"
    passive = app.settings.security.passive_replies_per_hour
    outcome = await residents.handle(
        db=app.db, phone=phone, command=command, opt_out=opt_out, passive_per_hour=passive
    )
    app.outbox.wake()
    return outcome


async def _dispatch(ctx: _Ctx, command: sms.Command) -> _Answer:
    """The commands that run in transactions of their own (not ``ONE_TRANSACTION``)."""
    match command:
        case sms.Activate():
            return await _activate(ctx, command)
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
        case sms.Subscribe() | sms.Unsubscribe():
            return _Answer("", await _resident(ctx.app, ctx.phone, command))
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
        joiner = f" {ctx.t('choice_or')} "
        choices = joiner.join(str(p.number) for p in ctx.app.plan.playbooks.playbooks)
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
    view = need_to_know.redact(ctx.app.plan, ctx.person, view)  # journal no.: need to know
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
