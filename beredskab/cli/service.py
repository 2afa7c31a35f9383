"""Commands that run or inspect the service: serve, plan check, db upgrade, contacts."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import typer

from beredskab.cli.common import (
    cli,
    config_source,
    db_cli,
    fail,
    fail_config,
    fail_plainly,
    language,
    plan_cli,
    release_gc,
    run,
    say,
    settings,
    settle_gc,
)
from beredskab.errors import BeredskabError, PlanInvalidError

if TYPE_CHECKING:
    from beredskab.plan import Plan
    from beredskab.services import Services
    from beredskab.settings import Settings

log = logging.getLogger(__name__)


@cli.command()
def serve() -> None:
    """Kør tjenesten / run the service until SIGINT or SIGTERM.

    Prints one line when ready: where it listens, the public URL, each channel's provider,
    the plan version, the database kind and the generated keys. Exits 0 after a stop by
    signal, 2 with one line on stderr per config or driver problem, 1 with one line for what
    else cannot heal (bad plan, port taken, schema that cannot be migrated); never takes
    longer than ``[service] shutdown_seconds`` to stop.
    """
    import asyncio

    from beredskab.app import App
    from beredskab.observability.logs import configure
    from beredskab.runtime import event_loop
    from beredskab.runtime.config_discovery import plain
    from beredskab.runtime.malloc import limit_arenas
    from beredskab.runtime.shutdown import Budget, Deadline

    limit_arenas()  # before any thread: fewer C heaps holding freed memory (runtime.malloc)
    config = settings(database=True)
    configure(config.logging, verbose=logging.getLogger().getEffectiveLevel() <= logging.INFO)
    budget = Budget(config.service.shutdown_seconds)
    deadline = Deadline(config.service.shutdown_seconds)

    async def main() -> None:
        from beredskab.operations import startup_line

        app = App.build(config)

        def ready(address: tuple[str, int]) -> None:  # the startup line, once everything runs
            app.warm_up()  # before the freeze, so what it builds is frozen with the rest
            settle_gc()
            typer.echo(
                startup_line.line(
                    config,
                    address=address,
                    plan_version=app.plan.version,
                    database=app.db.dialect,
                    language=language(),
                ),
                err=True,  # stdout carries the console channel's messages, one JSON per line
            )

        try:
            await app.serve(deadline=deadline, announce=ready)
        finally:
            try:
                async with asyncio.timeout(budget.close):
                    await app.aclose()
            except TimeoutError:
                log.warning("closing connections took over %.1f s; leaving them", budget.close)

    release_gc()
    try:
        with asyncio.Runner(loop_factory=event_loop.factory()) as runner:
            runner.run(main())
    except Exception as exc:  # one line; an unexpected failure's traceback with --verbose
        deadline.arm()  # whatever still runs in threads must not hold the exit
        if isinstance(exc, BeredskabError) or plain(exc) is not None:
            fail_plainly(exc)  # config and driver errors exit 2
        log.info("serve failed", exc_info=exc)
        fail(say("error", message=say("unexpected", kind=type(exc).__name__, detail=exc)))


def _load(config: Settings | None = None) -> Plan:
    from beredskab.plan import load_plan

    config = config or settings()
    return load_plan(
        playbooks_dir=config.plan.playbooks_dir, directory_file=config.plan.directory_file
    )


@plan_cli.command("check")
def plan_check() -> None:
    """Valider konfiguration, playbooks, kontaktliste og krydsreferencer / validate the config
    and the plan files.

    Exits 2 on a config problem (one line each: the setting and the fix), 1 on plan problems.
    Without a config file it checks the bundled plan with the default settings.
    """
    from beredskab.runtime.channels import live_providers
    from beredskab.runtime.config_discovery import driver_problems, example_with_live_providers

    config = settings()
    source = config_source()
    if problems := driver_problems(config.database_url):
        fail_config(*problems)
    try:
        plan = _load(config)
    except PlanInvalidError as exc:
        for problem in exc.problems:
            typer.echo(say("plan_problem", problem=problem), err=True)
        fail(say("plan_failed", count=len(exc.problems)))
    except BeredskabError as exc:
        fail_plainly(exc)
    if live_providers(config) and plan.directory.example:  # what `serve` would refuse
        fail_config(example_with_live_providers(plan.directory.source))
    if source.path is not None:
        typer.echo(say("config_ok", path=source.path))
    for warning in plan.warnings:
        typer.echo(say("plan_warning", warning=warning))
    names = ", ".join(f"{p.id} ({p.name})" for p in plan.playbooks.playbooks)
    example = say("plan_example") if plan.directory.example else ""
    typer.echo(say("plan_playbooks", names=names))
    typer.echo(
        say(
            "plan_directory",
            source=plan.directory.source,
            example=example,
            count=len(plan.directory.people),
        )
    )
    typer.echo(say("plan_ok", version=plan.version, count=len(plan.warnings)))


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Opdatér databaseskemaet / upgrade the database schema to the newest migration."""

    async def body(app: Services) -> str:
        return app.db.dialect

    typer.echo(say("db_ok", dialect=run(body)))


@cli.command()
def contacts() -> None:
    """Vis kontaktlisten / list the people in the directory."""
    try:
        plan = _load()
    except BeredskabError as exc:
        fail_plainly(exc)
    for p in plan.directory.people:
        reach = ", ".join(x for x in (p.phone, p.email) if x)
        typer.echo(f"{p.id:26} {p.name:28} {','.join(p.roles):34} {reach}")
