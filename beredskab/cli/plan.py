"""`beredskab plan show` (the whole plan as Markdown, HTML or PDF) and `beredskab duty`
(the leader ticks or unticks a §3 duty of an incident)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from beredskab.cli.common import CHANNEL, AsOpt, cli, fail, language, plan_cli, run, say, settings
from beredskab.errors import BeredskabError, render

if TYPE_CHECKING:
    from beredskab.services import Services

PlanFormat = Literal["md", "html", "pdf"]
"""The values of ``beredskab.report.plan.Format``, named here so `--help` need not import
the report package (a test keeps the two equal)."""


@plan_cli.command("show")
def plan_show(
    fmt_name: Annotated[
        PlanFormat, typer.Option("--format", "-f", help="md, html eller/or pdf.")
    ] = "md",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Skriv til fil / write to this file."),
    ] = None,
) -> None:
    """Vis hele planen / show the whole plan (as /plan shows it, without phone or email)."""
    from beredskab.plan import load_plan
    from beredskab.report import plan as plan_view
    from beredskab.report import plan_document

    fmt = plan_view.Format(fmt_name)
    config = settings()
    try:
        plan = load_plan(
            playbooks_dir=config.plan.playbooks_dir, directory_file=config.plan.directory_file
        )
    except BeredskabError as exc:
        fail(say("error", message=render(exc, language())))
    content = plan_document.render(plan_view.build(plan), fmt)
    if output is None:
        if fmt is plan_view.Format.PDF:
            fail(say("plan_pdf_tty"))
        typer.echo(content.decode("utf-8"), nl=False)
        return
    try:
        output.write_bytes(content)
    except OSError as exc:
        fail(say("cannot_write", path=output, reason=exc.strerror))
    typer.echo(say("plan_written", version=plan.version, path=output, fmt=fmt.value))


@cli.command("duty")
def duty(
    incident_id: Annotated[int, typer.Argument(help="Hændelse / incident.")],
    duty_id: Annotated[str, typer.Argument(help="Pligtens id / the duty's id.")],
    actor: AsOpt,
    undo: Annotated[
        bool, typer.Option("--undo", help="Fjern afkrydsningen / untick the duty.")
    ] = False,
) -> None:
    """Afkryds en pligt (§3) som leder / tick a duty of an incident (the leader)."""
    from beredskab.incident import duties

    async def body(app: Services) -> duties.DutyChange:
        return await duties.set_duty(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            duty_id=duty_id,
            done=not undo,
            actor_id=actor,
            channel=CHANNEL,
        )

    change = run(body)
    if change.state.done:
        key = "duty_ticked" if change.changed else "duty_ticked_same"
    else:
        key = "duty_unticked" if change.changed else "duty_unticked_same"
    typer.echo(say(key, nr=incident_id, duty=duty_id))
