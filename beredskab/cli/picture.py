"""`beredskab picture show NR` and `picture set NR --heading H --text T --as PERSON`: the
situation picture on the command line, over the same use cases as the web and Telegram."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from beredskab.cli.common import CHANNEL, AsOpt, IncidentArg, cli, run, say
from beredskab.cli.common import when as when_shown

if TYPE_CHECKING:
    from beredskab.incident import picture
    from beredskab.services import Services

picture_cli = typer.Typer(help="Situationsbilledet / the situation picture.", no_args_is_help=True)
cli.add_typer(picture_cli, name="picture")


def _lines(app: Services, found: picture.Picture, *, reveal: bool) -> list[str]:
    def name(person_id: str | None) -> str:
        person = app.plan.directory.person(person_id or "")
        return person.name if person else (person_id or "-")

    if not found.version:
        head = say("picture_unwritten", title=found.title, nr=found.incident_id)
    else:
        when = when_shown(found.updated_at) if found.updated_at else ""
        head = say(
            "picture_head",
            title=found.title,
            nr=found.incident_id,
            version=found.version,
            name=name(found.updated_by),
            time=when,
        )
    lines = [head]
    for number, h in enumerate(found.headings, start=1):
        mark = say("picture_sensitive") if h.sensitive else ""
        lines.append(f"\n{number}. {h.title}{mark}")
        if h.sensitive and h.text and not reveal:
            lines.append(f"   {say('picture_withheld')}")
        elif h.text:
            when = when_shown(h.at) if h.at else ""
            lines += [f"   {line}" for line in h.text.splitlines()]
            lines.append(say("picture_signed", name=name(h.author), time=when, version=h.version))
        else:
            lines.append("   -")
    return lines


@picture_cli.command("show")
def show(
    nr: IncidentArg,
    include_sensitive: Annotated[
        bool, typer.Option(help="Medtag følsomme afsnit (kræver --as) / include sensitive")
    ] = False,
    actor: Annotated[str | None, typer.Option("--as", help="Hvem du er / who you are")] = None,
) -> None:
    """Vis situationsbilledet / show the situation picture."""
    from beredskab import report
    from beredskab.incident import picture

    async def body(app: Services) -> list[str]:
        found = await picture.current(db=app.db, plan=app.plan, incident_id=nr)
        if include_sensitive:
            view = await report.overview(db=app.db, incident_id=nr)
            await report.authorise_sensitive(
                db=app.db,
                plan=app.plan,
                incident=view.incident,
                actor_id=actor or "",
                channel=CHANNEL,
                detail=f"situation picture version {found.version}",
            )
        return _lines(app, found, reveal=include_sensitive)

    typer.echo("\n".join(run(body)))


@picture_cli.command("set")
def set_heading(
    nr: IncidentArg,
    heading: Annotated[
        str, typer.Option("--heading", help="Overskriftens nummer eller tekst / number or text")
    ],
    text: Annotated[str, typer.Option("--text", help="Den nye tekst / the new text")],
    actor: AsOpt,
    sensitive: Annotated[
        bool | None,
        typer.Option("--sensitive/--not-sensitive", help="Følsom / sensitive (default: keep)"),
    ] = None,
    base: Annotated[
        int | None,
        typer.Option(
            "--version", min=0, help="Versionen du læste; nyere gemt imens afvises / read version"
        ),
    ] = None,
) -> None:
    """Skriv én overskrift i situationsbilledet / write one heading of the picture."""
    from beredskab.incident import picture

    async def body(app: Services) -> picture.Picture:
        version = base
        if version is None:
            version = (await picture.current(db=app.db, plan=app.plan, incident_id=nr)).version
        return await picture.revise(
            db=app.db,
            plan=app.plan,
            incident_id=nr,
            actor_id=actor,
            channel=CHANNEL,
            base_version=version,
            edits=[picture.Edit(heading, text, sensitive)],
        )

    saved = run(body)
    typer.echo(say("picture_saved", nr=nr, version=saved.version))
