"""`beredskab residents`: subscribed residents per zone and language; ``--numbers --as
<leader>`` lists the numbers (secretariat leader only; the read and any refusal are
audited). A thin adapter over ``beredskab.residents``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from beredskab.cli.common import cli, fail, run, say

if TYPE_CHECKING:
    from beredskab.services import Services


@cli.command("residents")
def residents(
    numbers: Annotated[
        bool, typer.Option("--numbers", help="Vis numre (kun sekretariatsleder) / show numbers.")
    ] = False,
    actor: Annotated[
        str | None, typer.Option("--as", help="Hvem du er (person-id) / who you are.")
    ] = None,
    zone: Annotated[int | None, typer.Option("--zone", help="Kun zone / only this zone.")] = None,
    lang: Annotated[
        str | None, typer.Option("--language", help="Kun sprog / only this language.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Tilmeldte beboere: antal pr. zone og sprog / subscribed residents (counts)."""
    from beredskab.residents import counts
    from beredskab.residents import numbers as read_numbers

    if numbers and not actor:
        fail(say("residents_need_as"), 2)

    async def body(app: Services) -> Any:
        if numbers:
            assert actor is not None
            return await read_numbers(
                db=app.db, plan=app.plan, actor_id=actor, channel="cli", zone=zone, language=lang
            )
        return await counts(db=app.db)

    result = run(body)
    if numbers:
        rows = [
            {
                "phone": s.phone,
                "zone": s.zone,
                "language": s.language,
                "subscribed_at": s.subscribed_at.isoformat(),
                "channel": s.channel,
                "consent_version": s.consent_version,
            }
            for s in result
        ]
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for row in rows:
                typer.echo(f"{row['phone']}  zone {row['zone']}  {row['language']}")
        return
    shown = [c for c in result if (zone is None or c.zone == zone) and lang in (None, c.language)]
    if as_json:
        typer.echo(
            json.dumps(
                [{"zone": c.zone, "language": c.language, "count": c.count} for c in shown],
                indent=2,
            )
        )
        return
    if not shown:
        typer.echo(say("residents_none"))
        return
    typer.echo(say("residents_header"))
    for c in shown:
        typer.echo(say("residents_row", zone=c.zone, language=c.language, count=c.count))
    typer.echo(say("residents_total", n=sum(c.count for c in shown)))
