"""`beredskab stats`: incident statistics over a period, a thin adapter over
``beredskab.incident.statistics`` (drills are left out unless asked for, then counted alone)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from beredskab.cli.common import cli, fail, run, say
from beredskab.i18n import LOCAL_TZ

if TYPE_CHECKING:
    from beredskab.incident.statistics import Statistics
    from beredskab.services import Services


def _since(value: str | None) -> datetime | None:
    """The start of a local (Danish) calendar day, as an aware datetime."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        fail(say("since_bad", value=value))
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)


def _json(result: Statistics) -> dict[str, Any]:
    return {
        "since": result.since.isoformat() if result.since else None,
        "drills": result.drills,
        "generated_at": result.generated_at.isoformat(),
        "incidents": result.incidents,
        "playbooks": [asdict(p) for p in result.playbooks],
    }


@cli.command("stats")
def stats(
    since: Annotated[
        str | None,
        typer.Option("--since", help="Fra og med dato (ÅÅÅÅ-MM-DD) / from this date on."),
    ] = None,
    drills: Annotated[
        bool, typer.Option("--drills", help="Kun øvelser / only drills (else drills are left out).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Statistik: hændelser pr. playbook, svartider, udførte trin / incident statistics."""
    from beredskab.incident.statistics import incident_statistics, render

    start = _since(since)

    async def body(app: Services) -> Statistics:
        return await incident_statistics(db=app.db, plan=app.plan, since=start, drills=drills)

    result = run(body)
    if as_json:
        typer.echo(json.dumps(_json(result), ensure_ascii=False, indent=2))
    else:
        typer.echo(render(result))
