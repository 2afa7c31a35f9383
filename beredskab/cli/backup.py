"""`beredskab backup FILE`: a consistent copy of the SQLite database while `serve` runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from beredskab.cli.common import cli, fail, language, say, settings
from beredskab.errors import BeredskabError, render


@cli.command("backup")
def backup(
    file: Annotated[
        Path, typer.Argument(help="Ny fil til kopien / a new file for the copy (never overwritten)")
    ],
) -> None:
    """Tag backup af SQLite-databasen mens tjenesten kører / back up the SQLite database while
    the service runs (PostgreSQL: pg_dump)."""
    from beredskab.boundary.keys import describe_keys
    from beredskab.storage.backup import backup_sqlite, sqlite_file

    config = settings()
    try:
        source = sqlite_file(config.database_url)
        if source is None:
            fail(say("backup_postgres"))
        done = backup_sqlite(source, file)
    except BeredskabError as error:
        fail(say("error", message=render(error, language())))
    typer.echo(say("backup_done", path=done.path, size=done.bytes))
    for info in describe_keys(config):
        if info.state == "generated" and info.path is not None:
            typer.echo(say("backup_keys", path=info.path))
