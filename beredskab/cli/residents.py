"""`beredskab residents`: subscribed residents per zone and language; ``--numbers --as
<leader>`` lists the numbers (secretariat leader only; the read and any refusal are
audited). A thin adapter over ``beredskab.residents``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from beredskab.cli.common import cli, fail, language, run

if TYPE_CHECKING:
    from beredskab.app import App

_TEXTS = {
    "header": (
        "Tilmeldte beboere pr. zone og sprog:",
        "Subscribed residents by zone and language:",
    ),
    "row": ("  zone {zone}  {language}: {count}", "  zone {zone}  {language}: {count}"),
    "total": ("I alt: {n}", "Total: {n}"),
    "none": ("Ingen beboere er tilmeldt.", "No residents have subscribed."),
    "need_as": (
        "--numbers kræver --as <person-id> (kun sekretariatslederen).",
        "--numbers needs --as <person id> (the secretariat leader only).",
    ),
}


def _t(key: str, **values: object) -> str:
    da, en = _TEXTS[key]
    return (en if language() == "en" else da).format(**values)


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
        fail(_t("need_as"), 2)

    async def body(app: App) -> Any:
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
        typer.echo(_t("none"))
        return
    typer.echo(_t("header"))
    for c in shown:
        typer.echo(_t("row", zone=c.zone, language=c.language, count=c.count))
    typer.echo(_t("total", n=sum(c.count for c in shown)))
