"""Shared pieces of the command line: the Typer apps, options and the run helper."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer

from beredskab.app import App
from beredskab.errors import BeredskabError, NotAuthorisedError
from beredskab.i18n import t
from beredskab.settings import Settings, load_settings

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


_state = _State()


@cli.callback()
def _main(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Konfigurationsfil / config file ($BEREDSKAB_CONFIG)."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    _state.config = config
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)


def settings() -> Settings:
    """Settings from --config / $BEREDSKAB_CONFIG and the environment."""
    try:
        return load_settings(_state.config)
    except BeredskabError as exc:
        fail(t("error", message=str(exc)))


def fail(message: str, code: int = 1) -> NoReturn:
    """Print to stderr and exit with ``code``."""
    typer.echo(message, err=True)
    raise typer.Exit(code)


def run(body: Callable[[App], Awaitable[T]], *, deliver: bool = False) -> T:
    """Build the app, upgrade the schema, run ``body`` and deliver what it queued.

    Refusals exit 3, other user errors exit 1, each with a plain message.
    """

    async def main() -> T:
        app = App.build(settings())
        try:
            await app.start()
            result = await body(app)
            if deliver:
                async with asyncio.timeout(DELIVERY_SECONDS):
                    await app.outbox.drain()
            return result
        finally:
            await app.aclose()

    try:
        return asyncio.run(main())
    except NotAuthorisedError as exc:
        fail(t("refused", message=str(exc)), 3)
    except BeredskabError as exc:
        fail(t("error", message=str(exc)))
