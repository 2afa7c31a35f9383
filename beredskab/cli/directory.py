"""`beredskab directory import|export|history`: the contact directory kept in the database.

These commands open the database and the playbook files only (not the whole app), so a
stored directory that no longer fits the playbooks can still be replaced by an import.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from beredskab.cli.common import CHANNEL, cli, fail, language, look, say, settings
from beredskab.i18n import Language, fill

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

_TEXTS: dict[str, dict[Language, str]] = {
    "cannot_read": {"da": "Kan ikke læse {path}: {reason}", "en": "Cannot read {path}: {reason}"},
    "compared": {
        "da": "Sammenlignet med {current}:",
        "en": "Compared with {current}:",
    },
    "file_in_use": {"da": "filen {file}", "en": "the file {file}"},
    "revision": {"da": "databasens revision {n}", "en": "database revision {n}"},
    "counts": {
        "da": "  personer: {pa} tilføjet, {pc} ændret, {pr} fjernet; roller: {rc} ændringer; "
        "målgrupper: {tc} ændringer",
        "en": "  people: {pa} added, {pc} changed, {pr} removed; roles: {rc} changes; "
        "targets: {tc} changes",
    },
    "change": {"da": "  {sign} {subject} {id}{fields}", "en": "  {sign} {subject} {id}{fields}"},
    "problem": {"da": "FEJL: {text}", "en": "ERROR: {text}"},
    "warning": {"da": "ADVARSEL: {text}", "en": "WARNING: {text}"},
    "refused": {
        "da": "Importen er afvist: {count} problem(er). Ret filen og prøv igen.",
        "en": "The import is refused: {count} problem(s). Fix the file and try again.",
    },
    "preview_only": {
        "da": "Intet er gemt. Kør igen med --apply for at gemme ændringerne.",
        "en": "Nothing was stored. Run again with --apply to store the changes.",
    },
    "applied": {
        "da": "Gemt som revision {n}; en kørende tjeneste bruger den med det samme.",
        "en": "Stored as revision {n}; a running service uses it at once.",
    },
    "unchanged": {
        "da": "Ingen ændringer: kontaktlisten er allerede sådan.",
        "en": "No changes: the directory already says this.",
    },
    "exported": {"da": "Skrevet til {path}", "en": "Written to {path}"},
    "no_history": {
        "da": "Ingen ændringer af {person} i databasen.",
        "en": "No changes of {person} in the database.",
    },
    "check_ok": {
        "da": "Kontaktlisten i brug ({current}, {count} personer) passer til planen; "
        "{warnings} advarsel(er).",
        "en": "The directory in use ({current}, {count} people) fits the plan; "
        "{warnings} warning(s).",
    },
    "history_line": {
        "da": "revision {n} · {time} · {actor} ({channel}) · {action}{fields}",
        "en": "revision {n} · {time} · {actor} ({channel}) · {action}{fields}",
    },
}


def _say(key: str, **values: object) -> str:
    return fill(_TEXTS[key][language()], **values)


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
        fail(_say("cannot_read", path=path, reason=exc.strerror or exc))
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
            fail(_say("refused", count=len(found.errors)))
        if not apply:
            typer.echo(_say("preview_only"))
            return
        done = await imports.apply(
            db=db, playbooks=playbooks, preview=found, actor=ACTOR, channel=CHANNEL
        )
        typer.echo(_say("applied", n=done.revision) if done.revision else _say("unchanged"))

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
        _say("revision", n=found.base)
        if found.base is not None
        else _say("file_in_use", file=file or "contacts/examples/fredericia.toml")
    )
    typer.echo(_say("compared", current=current))
    typer.echo(
        _say(
            "counts",
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
        typer.echo(_say("warning", text=warning))
    for error in found.errors:
        typer.echo(_say("problem", text=error), err=True)


def _change_line(change: Change) -> str:
    sign = {"added": "+", "changed": "~", "removed": "-"}[change.action]
    fields = f" ({', '.join(change.fields())})" if change.action == "changed" else ""
    return _say("change", sign=sign, subject=change.subject, id=change.subject_id, fields=fields)


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
    typer.echo(_say("exported", path=output))


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
            typer.echo(_say("warning", text=warning))
        for error in found.errors:
            typer.echo(_say("problem", text=error), err=True)
        if found.errors:
            fail(say("plan_failed", count=len(found.errors)))
        current = (
            _say("revision", n=revision)
            if revision is not None
            else _say(
                "file_in_use",
                file=config.plan.directory_file or "contacts/examples/fredericia.toml",
            )
        )
        typer.echo(
            _say("check_ok", current=current, count=len(data.people), warnings=len(found.warnings))
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
            typer.echo(_say("no_history", person=person))
        for row in rows:
            change = stored("person", person, row.action, row.before, row.after)
            fields = f": {', '.join(change.fields())}" if row.action == "changed" else ""
            typer.echo(
                _say(
                    "history_line",
                    n=row.revision,
                    time=when(row.created_at),
                    actor=row.actor,
                    channel=row.channel,
                    action=row.action,
                    fields=fields,
                )
            )

    look(body)
