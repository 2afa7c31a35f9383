"""Shared pieces of the command line: the Typer apps, options and the run helper.

The command line starts at once: this module and the command modules import only typer and
light modules at import time; a command imports what it uses when it runs (``run`` builds
the ``App``; ``look`` opens only the database), so `beredskab --help` loads neither the app,
the database nor pydantic.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from beredskab.cli.texts import text
from beredskab.errors import BeredskabError, NotAuthorisedError, render
from beredskab.i18n import Language, clock
from beredskab.i18n import status as status_word

if TYPE_CHECKING:
    from beredskab.app import App
    from beredskab.settings import Settings
    from beredskab.storage import Database

T = TypeVar("T")
CHANNEL = "cli"
DELIVERY_SECONDS = 120
"""How long a command waits for its messages to go out before leaving them to `serve`."""

cli = typer.Typer(
    help="beredskab — beredskabsplanen som kørende tjeneste / the preparedness plan as a service.",
    no_args_is_help=True,
    add_completion=False,
)
plan_cli = typer.Typer(help="Planen / the plan.", no_args_is_help=True)
db_cli = typer.Typer(help="Databasen / the database.", no_args_is_help=True)
step_cli = typer.Typer(help="Planens trin / plan steps.", no_args_is_help=True)
task_cli = typer.Typer(help="Opgaver / tasks (outreach and the chief's).", no_args_is_help=True)
cli.add_typer(plan_cli, name="plan")
cli.add_typer(db_cli, name="db")
cli.add_typer(step_cli, name="step")
cli.add_typer(task_cli, name="task")

AsOpt = Annotated[str, typer.Option("--as", help="Hvem du er (person-id) / who you are.")]
NoDeliver = Annotated[
    bool, typer.Option("--no-deliver", help="Kun sæt i kø / only queue; `serve` sends.")
]


class _State:
    config: Path | None = None
    lang: Language | None = None
    """--lang, else ``[service] language`` once the settings are read, else Danish."""


_state = _State()


@cli.callback()
def _main(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Konfigurationsfil / config file ($BEREDSKAB_CONFIG)."),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Sprog: da eller en / language of every message (default: [service] language).",
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    _state.config = config
    _state.lang = None
    if lang is not None:
        if lang not in ("da", "en"):
            raise typer.BadParameter("da or en", param_hint="--lang")
        _state.lang = "en" if lang == "en" else "da"
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)


def language() -> Language:
    """The language of every message this command prints: --lang, else ``[service]
    language`` (Danish when the settings cannot be read: that error is shown in Danish)."""
    if _state.lang is None:
        from beredskab.settings import load_settings

        try:
            _state.lang = load_settings(_state.config).service.language
        except BeredskabError:
            return "da"
    return _state.lang


def say(key: str, **values: object) -> str:
    """The command-line text ``key`` in the command's language."""
    return text(key, language(), **values)


def status(value: str) -> str:
    """A status value in words, in the command's language."""
    return status_word(value, language())


def when(value: datetime, *, seconds: bool = False) -> str:
    """A moment in Danish local time, with the date unless it is today (``i18n.clock``)."""
    return clock(value, now=datetime.now(UTC), language=language(), seconds=seconds)


def settings() -> Settings:
    """Settings from --config / $BEREDSKAB_CONFIG and the environment; they set the language
    unless --lang did."""
    from beredskab.settings import load_settings

    try:
        loaded = load_settings(_state.config)
    except BeredskabError as exc:
        fail(say("error", message=render(exc, language())))
    if _state.lang is None:
        _state.lang = loaded.service.language
    return loaded


def fail(message: str, code: int = 1) -> NoReturn:
    """Print to stderr and exit with ``code``."""
    typer.echo(message, err=True)
    raise typer.Exit(code)


def run(
    body: Callable[[App], Awaitable[T]], *, deliver: bool = False, queue_rest: bool = False
) -> T:
    """Build the app, upgrade the schema, run ``body`` and deliver what it queued.

    With ``deliver`` or ``queue_rest`` (an activation with --no-deliver), a fan-out ``body``
    started (a large activation) is queued to its end before the command exits; delivering,
    each chunk goes out while the next is being queued.

    Refusals exit 3, other user errors exit 1, each with a plain message.
    """
    from beredskab.app import App

    async def main() -> T:
        app = App.build(settings(), send=deliver)  # providers only when this command sends
        try:
            await app.start()
            result = await body(app)
            from beredskab.incident import fanout

            if deliver:
                async with asyncio.timeout(DELIVERY_SECONDS):
                    await fanout.complete(app.db, app.plan, deliver=app.outbox.drain)
            elif queue_rest:
                await fanout.complete(app.db, app.plan)
            return result
        finally:
            await app.aclose()

    return _complete(main())


def look(body: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``body`` on the database alone: for a command that only reads it and needs neither
    the plan nor the rest of the app (`status`), so it starts at once.

    The schema is brought up to date first, as ``run`` does (Alembic only when it is not
    already at the newest migration); user errors exit 1 with a plain message.
    """
    from beredskab.runtime.database import open_database

    async def main() -> T:
        db = open_database(settings())
        try:
            await db.upgrade()
            return await body(db)
        finally:
            await db.dispose()

    return _complete(main())


def _complete(main: Coroutine[object, object, T]) -> T:
    """Run a command's coroutine; refusals exit 3, other user errors exit 1."""
    try:
        return asyncio.run(main)
    except NotAuthorisedError as exc:
        fail(say("refused", message=render(exc, language())), 3)
    except BeredskabError as exc:
        fail(say("error", message=render(exc, language())))
