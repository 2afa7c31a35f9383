"""`beredskab directory import|export|history`: the contact directory kept in the database.

These commands open the database and the playbook files only (not the whole app), so a
stored directory that no longer fits the playbooks can still be replaced by an import.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from beredskab.cli.common import CHANNEL, cli, fail, look, say, settings

if TYPE_CHECKING:
    from beredskab.directory.changes import Change
    from beredskab.directory.imports import Preview
    from beredskab.storage import Database
    from playbooks.loader import PlaybookSet

directory_cli = typer.Typer(
    help="Kontaktlisten i databasen / the contact directory kept in the database.",
    no_args_is_help=True,
)
cli.add_typer(directory_cli, name="directory")

ACTOR = "cli"
"""Who the audit names for a command-line change: whoever runs commands on the server."""
ExportFormat = Literal["toml", "csv"]


@directory_cli.command("import")
def import_file(
    path: Annotated[Path, typer.Argument(help="TOML, CSV eller/or XLSX.")],
    apply: Annotated[
        bool, typer.Option("--apply", help="Gem ændringerne / store the changes.")
    ] = False,
) -> None:
    """Vis og gem en import / preview (and with --apply store) a directory import."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        fail(say("directory_cannot_read", path=path, reason=exc.strerror or exc))
    config = settings()

    async def body(db: Database) -> None:
        from beredskab.directory import imports

        playbooks = _playbooks()
        found = await imports.preview(
            db=db,
            playbooks=playbooks,
            file=config.plan.directory_file,
            name=path.name,
            content=content,
        )
        _show(found, config.plan.directory_file)
        if not found.ok:
            fail(say("directory_refused", count=len(found.errors)))
        if not apply:
            typer.echo(say("directory_preview_only"))
            return
        done = await imports.apply(
            db=db, playbooks=playbooks, preview=found, actor=ACTOR, channel=CHANNEL
        )
        typer.echo(
            say("directory_applied", n=done.revision)
            if done.revision
            else say("directory_unchanged")
        )

    look(body)


def _playbooks() -> PlaybookSet:
    from beredskab.errors import PlanInvalidError
    from playbooks.errors import PlaybookError
    from playbooks.loader import load_playbooks

    try:
        return load_playbooks(settings().plan.playbooks_dir)
    except PlaybookError as exc:
        raise PlanInvalidError([str(p) for p in exc.problems]) from exc


def _show(found: Preview, file: Path | None) -> None:
    current = (
        say("directory_revision", n=found.base)
        if found.base is not None
        else say("directory_file_in_use", file=file or "contacts/examples/fredericia.toml")
    )
    typer.echo(say("directory_compared", current=current))
    typer.echo(
        say(
            "directory_counts",
            pa=found.count("person", "added"),
            pc=found.count("person", "changed"),
            pr=found.count("person", "removed"),
            rc=sum(1 for c in found.changes if c.subject == "role"),
            tc=sum(1 for c in found.changes if c.subject == "target"),
        )
    )
    for change in found.changes:
        typer.echo(_change_line(change))
    for warning in found.warnings:
        typer.echo(say("directory_warning", text=warning))
    for error in found.errors:
        typer.echo(say("directory_problem", text=error), err=True)


def _change_line(change: Change) -> str:
    sign = {"added": "+", "changed": "~", "removed": "-"}[change.action]
    fields = f" ({', '.join(change.fields())})" if change.action == "changed" else ""
    return say(
        "directory_change", sign=sign, subject=change.subject, id=change.subject_id, fields=fields
    )


@directory_cli.command("export")
def export_file(
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="toml eller/or csv.")
    ] = "toml",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Skriv til fil / write to this file.")
    ] = None,
) -> None:
    """Eksportér kontaktlisten i brug / export the directory in use (TOML or CSV)."""
    config = settings()

    async def body(db: Database) -> str:
        from beredskab.directory import export, store

        _revision, data = await store.current(db, file=config.plan.directory_file)
        return export.export(data, fmt)

    text = look(body)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(say("cannot_write", path=output, reason=exc.strerror))
    typer.echo(say("directory_exported", path=output))


@directory_cli.command("check")
def check() -> None:
    """Tjek kontaktlisten i brug mod planen / check the directory in use as `plan check`."""
    config = settings()

    async def body(db: Database) -> None:
        from beredskab.directory import document, store

        revision, data = await store.current(db, file=config.plan.directory_file)
        label = store.source_of(revision) if revision is not None else "directory file"
        found = store.check(_playbooks(), document.dump(data), label=label)
        for warning in found.warnings:
            typer.echo(say("directory_warning", text=warning))
        for error in found.errors:
            typer.echo(say("directory_problem", text=error), err=True)
        if found.errors:
            fail(say("plan_failed", count=len(found.errors)))
        current = (
            say("directory_revision", n=revision)
            if revision is not None
            else say(
                "directory_file_in_use",
                file=config.plan.directory_file or "contacts/examples/fredericia.toml",
            )
        )
        typer.echo(
            say(
                "directory_check_ok",
                current=current,
                count=len(data.people),
                warnings=len(found.warnings),
            )
        )

    look(body)


@directory_cli.command("history")
def history(
    person: Annotated[str, typer.Argument(help="Person-id / person id.")],
) -> None:
    """Vis en persons ændringer / show the changes of one person, newest first."""
    from beredskab.cli.common import when

    async def body(db: Database) -> None:
        from beredskab.directory.changes import stored

        async with db.read() as tx:
            rows = await tx.directory.history("person", person)
        if not rows:
            typer.echo(say("directory_no_history", person=person))
        for row in rows:
            change = stored("person", person, row.action, row.before, row.after)
            fields = f": {', '.join(change.fields())}" if row.action == "changed" else ""
            typer.echo(
                say(
                    "directory_history_line",
                    n=row.revision,
                    time=when(row.created_at),
                    actor=row.actor,
                    channel=row.channel,
                    action=row.action,
                    fields=fields,
                )
            )

    look(body)
