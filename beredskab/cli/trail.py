"""`beredskab audit`: read the audit trail (counted refusals show how many times)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from beredskab.cli.common import cli, run, say, when

if TYPE_CHECKING:
    from beredskab.models import AuditEntry
    from beredskab.services import Services


@cli.command("audit")
def show(
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Antal rækker / rows.")] = 50,
    incident: Annotated[
        int | None, typer.Option(min=1, help="Kun denne hændelse / only this incident.")
    ] = None,
    refused: Annotated[
        bool, typer.Option("--refused", help="Kun afviste forsøg / refusals only.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Som JSON / as JSON.")] = False,
) -> None:
    """Vis revisionssporet, nyeste sidst / show the audit trail, newest last."""
    from beredskab.security import audit

    async def body(app: Services) -> list[AuditEntry]:
        return await audit.recent(app.db, limit=limit, incident_id=incident, refused_only=refused)

    rows = run(body)
    if as_json:
        typer.echo(json.dumps([row.model_dump(mode="json") for row in rows], ensure_ascii=False))
        return
    for row in rows:
        at = when(row.at, seconds=True)
        mark = say("audit_allowed" if row.allowed else "audit_refused")
        times = f" ×{row.count}" if row.count > 1 else ""
        where = f" #{row.incident_id}" if row.incident_id is not None else ""
        typer.echo(
            f"{at:>15} {mark:3} {row.action}{times} {row.channel} {row.actor}{where}: {row.detail}"
        )
