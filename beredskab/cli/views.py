"""Read-only commands: status, the log listing and the situation report."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from beredskab.cli.chain import CHAIN_BROKEN, HeadOpt, parse_head
from beredskab.cli.common import CHANNEL, IncidentArg, cli, fail, language, look, run, say, when
from beredskab.cli.common import status as status_word

if TYPE_CHECKING:
    from beredskab import report
    from beredskab.incident import situation_log
    from beredskab.models import Incident
    from beredskab.services import Services
    from beredskab.storage import Database

ReportFormat = Literal["markdown", "html", "pdf"]
"""The values of ``beredskab.report.Format``, named here so `--help` need not import the
report package (a test keeps the two equal)."""


def _incident_json(i: Incident) -> dict[str, Any]:
    return i.model_dump(mode="json")


@cli.command()
def status(
    nr: Annotated[int | None, typer.Argument(help="Hændelsesnummer / incident number")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Vis hændelser eller én hændelse / show recent incidents or one incident."""
    if nr is None:

        async def recent(db: Database) -> list[Incident]:
            async with db.read() as tx:  # a read: it never waits for `serve`'s write lock
                return await tx.incidents.recent()

        incidents = look(recent)  # names no person: neither the plan nor the app is needed
        if as_json:
            typer.echo(json.dumps([_incident_json(i) for i in incidents], ensure_ascii=False))
        elif not incidents:
            typer.echo(say("no_incidents"))
        for i in incidents if not as_json else []:
            drill = f" {say('drill_mark')}" if i.drill else ""
            typer.echo(
                f"{i.id:4} {status_word(i.status.value):9} {when(i.created_at):>12} "
                f"{i.playbook_id:10}{drill} {i.title}"
            )
        return
    from beredskab import report
    from beredskab.incident import facts

    async def one(app: Services) -> tuple[report.Overview, dict[str, str], str]:
        names = {p.id: p.name for p in app.plan.directory.people}
        view = await report.overview(db=app.db, incident_id=nr)
        return view, names, facts.facts_line(app.plan, view.incident, language())

    view, names, facts_line = run(one)
    if as_json:
        typer.echo(json.dumps(overview_json(view), ensure_ascii=False, indent=2))
        return
    i = view.incident
    confirmed = sum(c.status.value == "confirmed" for c in view.confirmations)
    typer.echo(
        say(
            "incident_head",
            nr=i.id,
            gruppe=i.playbook_name,
            drill=say("incident_drill") if i.drill else "",
            status=status_word(i.status.value),
        )
    )
    typer.echo(f"  {i.title}")
    for line in facts.description_beyond_title(i).splitlines():
        typer.echo(f"  {line}")
    typer.echo(f"  {facts_line}")
    typer.echo(
        say(
            "incident_opened",
            time=when(i.created_at),
            name=names.get(i.activated_by, i.activated_by),
        )
    )
    if i.closed_at is not None:
        typer.echo(say("incident_closed", time=when(i.closed_at)))
    typer.echo(say("confirmed_count", done=confirmed, total=len(view.confirmations)))
    for c in view.confirmations:
        typer.echo(f"    {status_word(c.status.value):10} {names.get(c.person_id, c.person_id)}")
    typer.echo(say("steps_head"))
    for s in view.steps:
        typer.echo(f"    {s.position:2} {status_word(s.status.value):13} {s.title}")
    typer.echo(say("tasks_head", count=len(view.tasks)))
    for task in view.tasks:
        who = names.get(task.assignee, task.assignee)
        line = (
            say("task_line", who=who, target=task.target_name)
            if task.target_name
            else say("task_line_chief", who=who, text=task.title)
        )
        typer.echo(f"    {task.number:2} {status_word(task.status.value):10} " + line)
    pending = sum(d.status.value in ("queued", "sending") for d in view.deliveries)
    typer.echo(say("messages_line", count=len(view.deliveries), pending=pending))


def overview_json(view: report.Overview) -> dict[str, Any]:
    """What `status NR --json` prints."""
    return {
        "incident": _incident_json(view.incident),
        "confirmations": [c.model_dump(mode="json") for c in view.confirmations],
        "steps": [s.model_dump(mode="json") for s in view.steps],
        "tasks": [x.model_dump(mode="json") for x in view.tasks],
        "deliveries": [
            d.model_dump(mode="json", include={"id", "person_id", "channel", "status", "attempts"})
            for d in view.deliveries
        ],
        "log_entries": len(view.log),
        "chain_ok": view.chain.ok,
        "chain_head": view.chain.head.short if view.chain.head else None,
    }


def show_log(nr: int) -> None:
    """Print the situation log; sensitive entries show as withheld."""
    from beredskab import report

    async def body(app: Services) -> report.Overview:
        return await report.overview(db=app.db, incident_id=nr)

    for e in run(body).log:
        text = say("withheld") if e.sensitive else e.text
        if e.corrects:
            text = say("log_corrects", seq=e.corrects, text=text)
        typer.echo(
            f"{e.seq:3} {when(e.created_at, seconds=True):>15} {e.kind.value:10} {e.actor}: {text}"
        )


@cli.command("report")
def report_cmd(
    nr: IncidentArg,
    fmt_name: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="markdown, html eller pdf")
    ] = "markdown",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Skriv til fil / write to file")
    ] = None,
    include_sensitive: Annotated[
        bool, typer.Option(help="Medtag fortrolige poster (kræver --as) / include sensitive")
    ] = False,
    actor: Annotated[str | None, typer.Option("--as", help="Hvem du er / who you are")] = None,
    head: HeadOpt = None,
) -> None:
    """Situationsrapport som Markdown, HTML eller PDF / the situation report.

    Without --output the report goes to stdout; a PDF only when stdout is not a terminal
    (redirect it or use --output).
    """
    from beredskab import report

    fmt = report.Format(fmt_name)
    if fmt is report.Format.PDF and output is None and sys.stdout.isatty():
        fail(say("pdf_tty"))

    expected = parse_head(head)  # with --head, exit 4 (after the report) if the chain fails

    async def body(app: Services) -> tuple[bytes, situation_log.ChainCheck]:
        view = await report.overview(db=app.db, incident_id=nr, head=expected)
        if include_sensitive:
            await report.authorise_sensitive(
                db=app.db,
                plan=app.plan,
                incident=view.incident,
                actor_id=actor or "",
                channel=CHANNEL,
                detail=f"{fmt.value} report with sensitive entries",
            )
        content = report.render(
            view, fmt=fmt, names=app.plan.labels(), include_sensitive=include_sensitive
        )
        return content, view.chain

    content, chain = run(body)
    if output is not None:
        output.write_bytes(content)
        typer.echo(say("report_written", path=output))
    elif fmt is report.Format.PDF:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    else:
        typer.echo(content.decode("utf-8"))
    if expected is not None and not chain.ok:
        fail(chain.message, CHAIN_BROKEN)
