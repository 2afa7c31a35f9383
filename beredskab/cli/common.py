"""Shared pieces of the command line: the Typer apps, options and the run helper.

The command line starts at once: this module and the command modules import only typer and
light modules at import time; a command imports what it uses when it runs (``run`` builds
the ``App``; ``look`` opens only the database), so `beredskab --help` loads neither the app,
the database nor pydantic.

The config file is found once per command (``config_source``: --config before or after the
command's name, $BEREDSKAB_CONFIG, else ``runtime.config_discovery.locate``); a command that
opens the database calls ``settings(database=True)``, which refuses without one. Config and
driver problems are one line each and exit 2 (``fail_config``).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from typer.core import TyperGroup

from beredskab.cli.texts import text
from beredskab.errors import BeredskabError, ConfigError, NotAuthorisedError, render
from beredskab.i18n import Language, clock
from beredskab.i18n import status as status_word

if TYPE_CHECKING:
    from beredskab.runtime.config_discovery import ConfigSource
    from beredskab.services import Services
    from beredskab.settings import Settings
    from beredskab.storage import Database

T = TypeVar("T")
CHANNEL = "cli"
DELIVERY_SECONDS = 120
"""How long a command waits for its messages to go out before leaving them to `serve`."""

CONFIG_HELP = (
    "Konfigurationsfil / config file. Uden: $BEREDSKAB_CONFIG, ./config.toml, "
    "~/.config/beredskab/config.toml, /etc/beredskab/config.toml."
)


def _remember_config(value: Path | None) -> None:
    """``--config`` after a command's name: the same as before it."""
    if value is not None:
        _state.config, _state.source, _state.loaded = value, None, None


def _config_option() -> Any:
    """A ``--config`` parameter for a command, built by typer itself from a probe command
    (typer vendors click and builds its own parameter classes); not passed to the command."""
    probe = typer.Typer(add_completion=False)

    @probe.command()
    def _probe(
        config: Annotated[
            Path | None,
            typer.Option(
                "--config", "-c", help=CONFIG_HELP, dir_okay=False, callback=_remember_config
            ),
        ] = None,
    ) -> None:
        """Only its parameter is used."""

    (param,) = typer.main.get_command(probe).params
    param.expose_value = False
    return param


class _Commands(TyperGroup):
    """The top-level group; every command under it also takes ``--config`` after its name
    (``beredskab status -c FILE`` = ``beredskab -c FILE status``)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        option = _config_option()
        pending: list[Any] = list(self.commands.values())
        while pending:
            command = pending.pop()
            if hasattr(command, "commands"):  # a group: its commands take it
                pending.extend(command.commands.values())
            elif not any(p.name == "config" for p in command.params):
                command.params.append(option)


cli = typer.Typer(
    cls=_Commands,
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
IncidentArg = Annotated[int, typer.Argument(help="Hændelsens nummer / incident number.")]
StepArg = Annotated[str, typer.Argument(help="Trinnets nummer eller id / step number or id.")]
TaskArg = Annotated[int, typer.Argument(help="Opgavens nummer / task number.")]


class _State:
    config: Path | None = None
    source: ConfigSource | None = None
    """The config file in use, found once per command (``config_source``)."""
    loaded: Settings | None = None
    announced: bool = False
    lang: Language | None = None
    """--lang, else ``[service] language`` once the settings are read, else Danish."""
    holding_gc: bool = False
    """``main`` keeps the garbage collector off while the command loads (``hold_gc``)."""
    freezing: bool = False
    """``main`` froze what the command loaded (``release_gc``): ``settle_gc`` may too."""


_state = _State()


@cli.callback()
def _main(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help=CONFIG_HELP, dir_okay=False),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Sprog: da eller en / language of every message (default: the config's language).",
        ),
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Vis mere (log på INFO) / log more, e.g. which config file."
        ),
    ] = False,
) -> None:
    _state.config, _state.source, _state.loaded, _state.announced = config, None, None, False
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
        try:
            _state.lang = _read().service.language
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


def config_source() -> ConfigSource:
    """The config file of this command: --config (before or after the command's name),
    $BEREDSKAB_CONFIG, else the first found (``runtime.config_discovery``)."""
    from beredskab.runtime.config_discovery import locate

    if _state.source is None:
        _state.source = locate(_state.config)
        logging.getLogger(__name__).info(
            "config file: %s (%s)", _state.source.path or "none", _state.source.how
        )
    return _state.source


def _read() -> Settings:
    """The settings of ``config_source`` and the environment, read once per command."""
    from beredskab.settings import load_settings

    if _state.loaded is None:
        _state.loaded = load_settings(config_source().path)
    return _state.loaded


def settings(*, database: bool = False) -> Settings:
    """Settings from the config file and the environment; they set the language unless
    --lang did. A file found by searching is named on stderr (stdout stays the command's).

    ``database``: the command opens the database, so it refuses to run without a config
    file (rather than create an empty database here) unless the environment names the
    database or data folder, and the database driver must be installed. Config errors exit 2,
    one line each.
    """
    from beredskab.runtime import config_discovery

    source = config_source()
    if database and source.how == "none" and not source.storage_from_environment:
        fail_config(config_discovery.missing(source))
    try:
        loaded = _read()
    except ConfigError as exc:
        fail_config(exc)
    if _state.lang is None:
        _state.lang = loaded.service.language
    if not _state.announced:
        _state.announced = True
        if source.how == "found":
            typer.echo(say("config_found", path=source.path), err=True)
        elif source.how == "none" and not database:
            typer.echo(say("config_none"), err=True)
    if database:
        problems = config_discovery.driver_problems(loaded.database_url)
        if problems:
            fail_config(*problems)
    return loaded


def fail(message: str, code: int = 1) -> NoReturn:
    """Print to stderr and exit with ``code``."""
    typer.echo(message, err=True)
    raise typer.Exit(code)


def fail_config(*errors: BeredskabError) -> NoReturn:
    """Print each configuration problem as one line (``Fejl: …``) and exit 2."""
    lines = [line for exc in errors for line in render(exc, language()).splitlines()]
    fail("\n".join(say("error", message=line) for line in lines), 2)


def fail_plainly(exc: BaseException) -> NoReturn:
    """A command's error as one plain line: config errors (and a driver or channel setting
    that fails in another library) exit 2, refusals 3, other user errors, a file that cannot be
    read or written and a database that does not answer 1; anything else is raised on (a bug
    keeps its traceback)."""
    from beredskab.runtime.config_discovery import plain
    from beredskab.storage.transient import from_database, is_transient

    if (config := plain(exc)) is not None:
        fail_config(config)
    if isinstance(exc, NotAuthorisedError):
        fail(say("refused", message=render(exc, language())), 3)
    if isinstance(exc, BeredskabError):
        fail(say("error", message=render(exc, language())))
    if isinstance(exc, OSError) and exc.filename and not from_database(exc):
        fail(say("error", message=say("file_error", path=exc.filename, reason=exc.strerror)))
    if not isinstance(exc, typer.Exit) and is_transient(exc) and from_database(exc):
        from beredskab.runtime.health import error_reason

        fail(say("error", message=say("db_unreachable", reason=error_reason(exc))))
    raise exc


def run(
    body: Callable[[Services], Awaitable[T]], *, deliver: bool = False, queue_rest: bool = False
) -> T:
    """Build the app, upgrade the schema, run ``body`` and deliver what it queued.

    With ``deliver`` or ``queue_rest`` (an activation with --no-deliver), a fan-out ``body``
    started (a large activation) is queued to its end before the command exits; delivering,
    each chunk goes out while the next is being queued.

    Refusals exit 3, other user errors exit 1, each with a plain message.
    """
    import asyncio

    from beredskab.app import App

    async def main() -> T:
        # providers only when this command sends
        app = App.build(settings(database=True), send=deliver)
        try:
            await app.start()
            result = await body(app)
            from beredskab.incident import fanout

            if deliver:
                async with asyncio.timeout(DELIVERY_SECONDS):
                    await fanout.complete(
                        app.db, app.plan, deliver=app.outbox.drain, kinds=app.fanouts.kinds
                    )
            elif queue_rest:
                await fanout.complete(app.db, app.plan, kinds=app.fanouts.kinds)
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
        db = open_database(settings(database=True))
        try:
            await db.upgrade()
            return await body(db)
        finally:
            await db.dispose()

    return _complete(main())


def hold_gc() -> None:
    """Called by ``main`` first: no garbage collection while the command loads. Starting is
    mostly importing, whose objects live as long as the process, so a collection then finds
    nothing and costs scans of what is loaded (3 % of `beredskab status`'s instructions,
    more of its time on a busy machine)."""
    gc.disable()
    _state.holding_gc = True


def release_gc() -> None:
    """The command's work begins (its event loop starts) or it ended: the collector is on
    again, with what was loaded frozen so that no collection scans it again. Nothing when
    ``main`` did not hold it off (a command invoked by a test)."""
    if _state.holding_gc:
        _state.holding_gc = False
        _state.freezing = True
        gc.freeze()
        gc.enable()


def settle_gc() -> None:
    """``serve`` is ready: what it loaded since its loop started (the web app, the providers'
    libraries, the plan) lives as long as the process, so after one collection it is frozen
    too. Left in the oldest generation, its ~200,000 objects were scanned by every full
    collection, which came every 10-20 s of a 5,000-person incident and held every request
    and send for 100-150 ms. Nothing when ``main`` did not hold the collector (a test)."""
    if _state.freezing:
        gc.collect()
        gc.freeze()


def _complete(main: Coroutine[object, object, T]) -> T:
    """Run a command's coroutine; config errors exit 2, refusals 3, other user errors 1."""
    import asyncio  # here: `--help` runs no loop

    release_gc()
    try:
        return asyncio.run(main)
    except Exception as exc:  # fail_plainly raises again what is not the user's to fix
        fail_plainly(exc)
