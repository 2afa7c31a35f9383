"""`beredskab doctor`: the deployment checks of ``operations.doctor`` as a table or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from beredskab.cli import common
from beredskab.cli.common import cli, language

if TYPE_CHECKING:
    from beredskab.i18n import Language
    from beredskab.operations.doctor import Report
    from beredskab.settings import Settings


@cli.command()
def doctor(
    as_json: Annotated[
        bool, typer.Option("--json", help="Som JSON / as JSON, for machines.")
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", min=1.0, max=120.0, help="Sekunder pr. tjek / seconds per check."
        ),
    ] = 10.0,
) -> None:
    """Tjek installationen / check the deployment: config, database, plan, secrets, providers
    and the public URL. Exits 1 when a check fails."""
    import asyncio

    from beredskab.operations import doctor as checks

    path = common.config_source().path  # --config, $BEREDSKAB_CONFIG or the first found

    def load() -> Settings:
        from beredskab.settings import load_settings

        return load_settings(path)

    lang = language()
    source = str(path) if path is not None else None
    common.release_gc()
    report = asyncio.run(checks.run(load, source=source, language=lang, seconds=timeout))
    typer.echo(report.as_json() if as_json else table(report, lang))
    if report.failed:
        raise typer.Exit(1)


def table(report: Report, language: Language) -> str:
    """The report as a table: status, check, detail; the fix under each warning or failure."""
    from beredskab.operations.texts import say

    say.mark("check_config", "check_secrets", "check_keys", "check_database", "check_plan")
    say.mark("check_twilio", "check_smtp", "check_telegram", "check_public_url")
    say.mark("status_pass", "status_warn", "status_fail")
    names = {c.name: say(f"check_{c.name}", language) for c in report.checks}
    statuses = {c.name: say(f"status_{c.status}", language) for c in report.checks}
    name_width = max(len(n) for n in names.values())
    status_width = max(len(s) for s in statuses.values())
    lines: list[str] = []
    for check in report.checks:
        lines.append(
            f"{statuses[check.name]:<{status_width}}  {names[check.name]:<{name_width}}  "
            f"{check.detail}"
        )
        if check.fix and check.status != "pass":
            indent = " " * (status_width + name_width + 4)
            lines.append(indent + say("fix", language, fix=check.fix))
    passed, warned, failed = (report.count(s) for s in ("pass", "warn", "fail"))
    key = "summary_failed" if failed else "summary_ok"
    lines.append(say(key, language, passed=passed, warned=warned, failed=failed))
    return "\n".join(lines)
