"""Commands for the work of an incident: steps, outreach tasks, the situation log."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from beredskab.cli.chain import DEFAULT as DEFAULT_LOG_COMMAND
from beredskab.cli.chain import log_cli
from beredskab.cli.common import (
    CHANNEL,
    AsOpt,
    IncidentArg,
    NoDeliver,
    StepArg,
    TaskArg,
    cli,
    fail,
    run,
    say,
    step_cli,
    task_cli,
    when,
)
from beredskab.cli.common import status as status_word

if TYPE_CHECKING:
    from beredskab.incident import convene, tasks
    from beredskab.models import LogEntry, Step, Task, TaskStatus
    from beredskab.services import Services

NoteOpt = Annotated[str | None, typer.Option(help="Note / note")]


def _finish_step(
    nr: int, step: str, actor: str, note: str | None, *, skip: bool, deliver: bool
) -> None:
    from beredskab.incident import steps

    async def body(app: Services) -> Step:
        return await steps.finish(
            db=app.db,
            plan=app.plan,
            incident_id=nr,
            step_ref=step,
            actor_id=actor,
            channel=CHANNEL,
            note=note,
            skip=skip,
        )

    done = run(body, deliver=deliver)
    typer.echo(
        say("step", position=done.position, titel=done.title, status=status_word(done.status.value))
    )


@step_cli.command("done")
def step_done(
    nr: IncidentArg,
    step: StepArg,
    actor: AsOpt,
    note: NoteOpt = None,
    no_deliver: NoDeliver = False,
) -> None:
    """Markér et trin udført / mark a step done (by number or id)."""
    _finish_step(nr, step, actor, note, skip=False, deliver=not no_deliver)


@step_cli.command("skip")
def step_skip(
    nr: IncidentArg,
    step: StepArg,
    actor: AsOpt,
    note: NoteOpt = None,
    no_deliver: NoDeliver = False,
) -> None:
    """Spring et trin over / skip a step (its actions do not run)."""
    _finish_step(nr, step, actor, note, skip=True, deliver=not no_deliver)


def _change_task(nr: int, task: int, actor: str, status: TaskStatus, outcome: str | None) -> None:
    from beredskab.incident import tasks

    async def body(app: Services) -> tuple[tasks.TaskChange, str | None]:
        change = await tasks.change(
            db=app.db,
            plan=app.plan,
            incident_id=nr,
            number=task,
            actor_id=actor,
            status=status,
            channel=CHANNEL,
            outcome=outcome,
        )
        offered = app.plan.directory.person(change.offered_to) if change.offered_to else None
        return change, offered.name if offered else None

    result, offered_to = run(body, deliver=True)
    key = "task" if result.changed else "task_same"
    typer.echo(
        say(
            key,
            number=task,
            target=result.task.title,
            status=status_word(result.task.status.value),
        )
    )
    if offered_to:
        typer.echo(say("task_offered", name=offered_to))


OutcomeOpt = Annotated[str | None, typer.Option(help="Resultat / outcome")]


@task_cli.command("accept")
def task_accept(nr: IncidentArg, task: TaskArg, actor: AsOpt) -> None:
    """Påtag dig en opgave / accept a task."""
    from beredskab.models import TaskStatus

    _change_task(nr, task, actor, TaskStatus.ACCEPTED, None)


@task_cli.command("done")
def task_done(nr: IncidentArg, task: TaskArg, actor: AsOpt, outcome: OutcomeOpt = None) -> None:
    """Markér en opgave udført / finish a task with its outcome ("–" if there is none)."""
    from beredskab.models import TaskStatus

    if outcome is None and sys.stdin.isatty():
        outcome = typer.prompt(say("task_outcome_prompt"))
    _change_task(nr, task, actor, TaskStatus.DONE, outcome)


@task_cli.command("decline")
def task_decline(nr: IncidentArg, task: TaskArg, actor: AsOpt, outcome: OutcomeOpt = None) -> None:
    """Afvis en opgave / decline a task; it goes to the next staff member or the leader."""
    from beredskab.models import TaskStatus

    _change_task(nr, task, actor, TaskStatus.DECLINED, outcome)


@task_cli.command("reassign")
def task_reassign(
    nr: IncidentArg,
    task: TaskArg,
    actor: AsOpt,
    to: Annotated[str, typer.Option("--to", help="Ny medarbejder / new assignee")],
) -> None:
    """Giv en opgave videre / reassign a task (leader only)."""
    from beredskab.incident import tasks

    async def body(app: Services) -> tuple[Task, str]:
        moved = await tasks.reassign(
            db=app.db,
            plan=app.plan,
            incident_id=nr,
            number=task,
            actor_id=actor,
            to=to,
            channel=CHANNEL,
        )
        person = app.plan.directory.person(moved.assignee)
        return moved, person.name if person else moved.assignee

    moved, name = run(body, deliver=True)
    typer.echo(say("task_reassigned", number=task, target=moved.title, name=name))


@task_cli.command("add")
def task_add(
    nr: IncidentArg,
    actor: AsOpt,
    to: Annotated[str, typer.Option("--to", help="Hvem får opgaven (person-id) / assignee")],
    text: Annotated[str, typer.Option("--text", help="Hvad skal gøres / what to do")],
    due: Annotated[
        str | None, typer.Option("--due", help="Frist: minutter (30) eller klokkeslæt (14:30)")
    ] = None,
    no_deliver: NoDeliver = False,
) -> None:
    """Giv en opgave / give a participant or staff member a task (leader only)."""
    from beredskab.incident import chief_tasks

    async def body(app: Services) -> tuple[Task, str]:
        task = await chief_tasks.create(
            db=app.db,
            plan=app.plan,
            incident_id=nr,
            actor_id=actor,
            assignee_id=to,
            text=text,
            channel=CHANNEL,
            due=due,
        )
        person = app.plan.directory.person(task.assignee)
        return task, person.name if person else task.assignee

    task, name = run(body, deliver=not no_deliver)
    deadline = say("task_due", when=when(task.due_at)) if task.due_at else ""
    typer.echo(say("task_added", number=task.number, name=name, due=deadline))


@cli.command("convene")
def convene_cmd(
    nr: IncidentArg,
    meeting: Annotated[str, typer.Argument(help="Mødet fra planen, fx tot eller lokalraad")],
    actor: AsOpt,
    at: Annotated[
        str | None, typer.Option("--at", help="Tid: minutter (30) eller klokkeslæt (19:30)")
    ] = None,
    no_deliver: NoDeliver = False,
) -> None:
    """Indkald et møde fra planen (TOT, Lokalråd) / convene a meeting (leader only)."""
    from beredskab.incident import convene

    async def body(app: Services) -> convene.Convened:
        return await convene.convene(
            db=app.db,
            plan=app.plan,
            incident_id=nr,
            actor_id=actor,
            meeting_id=meeting,
            channel=CHANNEL,
            at=at,
        )

    done = run(body, deliver=not no_deliver)
    typer.echo(
        say(
            "convened",
            meeting=done.meeting.meeting,
            place=done.meeting.place,
            when=done.when,
            names=", ".join(done.people),
        )
    )


@log_cli.command(DEFAULT_LOG_COMMAND)
def log_cmd(
    nr: IncidentArg,
    note: Annotated[str | None, typer.Option(help="Tekst til loggen / text to add")] = None,
    actor: Annotated[str | None, typer.Option("--as", help="Hvem du er / who you are")] = None,
    kind: Annotated[str, typer.Option(help="note, decision, media, correction")] = "note",
    sensitive: Annotated[bool, typer.Option(help="Fortrolig / sensitive")] = False,
    corrects: Annotated[int | None, typer.Option(help="Retter post nr. / corrects entry")] = None,
) -> None:
    """Vis eller skriv i situationsloggen / show or add to the situation log."""
    if note is None:
        from beredskab.cli.views import show_log

        show_log(nr)
        return
    if actor is None:
        fail(say("note_needs_as"))
    from beredskab.incident import situation_log
    from beredskab.models import EntryKind

    try:
        entry_kind = EntryKind(kind)
    except ValueError:
        fail(say("unknown_kind", kind=kind))

    async def body(app: Services) -> LogEntry:
        return await situation_log.add_entry(
            db=app.db,
            plan=app.plan,
            incident_id=nr,
            actor_id=actor,
            text=note,
            channel=CHANNEL,
            kind=entry_kind,
            sensitive=sensitive,
            corrects=corrects,
        )

    typer.echo(say("logged", seq=run(body).seq, nr=nr))
