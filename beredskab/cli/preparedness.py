"""`beredskab signoff`, `beredskab verify` and `beredskab readiness`: preparedness between
incidents, each a thin adapter over ``beredskab.preparedness``."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from beredskab import preparedness
from beredskab.app import App
from beredskab.cli.common import CHANNEL, NoDeliver, cli, run
from beredskab.i18n import plural
from beredskab.notifications import LOCAL_TZ
from beredskab.preparedness.readiness import Readiness, readiness, render
from beredskab.preparedness.signoff import SignoffLine
from beredskab.preparedness.verification import CampaignReport

signoff_cli = typer.Typer(help="Underskrift af planen / plan sign-off.", no_args_is_help=True)
verify_cli = typer.Typer(
    help="Kontrol af kontaktoplysninger / contact verification.", no_args_is_help=True
)
cli.add_typer(signoff_cli, name="signoff")
cli.add_typer(verify_cli, name="verify")

JsonOpt = Annotated[bool, typer.Option("--json", help="JSON output")]


def _day(line: SignoffLine) -> str:
    if line.signed_at is not None:
        when = line.signed_at.astimezone(LOCAL_TZ).strftime("%d.%m.%Y")
        return f"underskrevet {when} ({line.via})"
    return "afventer svar" if line.asked_at is not None else "ikke spurgt"


@signoff_cli.command("request")
def signoff_request(no_deliver: NoDeliver = False) -> None:
    """Bed alle deltagere bekræfte den gældende planversion / ask for sign-off."""
    result = run(lambda app: preparedness.request_signoff(app=app), deliver=not no_deliver)
    typer.echo(
        f"Planversion {result.version}: {len(result.asked)} spurgt nu "
        f"({plural(result.messages, 'besked', 'beskeder')}), "
        f"{len(result.already_asked)} var allerede spurgt "
        f"({len(result.pending)} afventer svar, {len(result.already_signed)} har underskrevet)."
    )


@signoff_cli.command("status")
def signoff_status(as_json: JsonOpt = False) -> None:
    """Hvem har underskrevet den gældende planversion / who signed the current version."""

    async def body(app: App) -> tuple[str, list[SignoffLine]]:
        return app.plan.version, await preparedness.signoff_status(db=app.db, plan=app.plan)

    version, lines = run(body)
    if as_json:
        rows = [
            {
                "person": line.person.id,
                "asked_at": line.asked_at.isoformat() if line.asked_at else None,
                "signed_at": line.signed_at.isoformat() if line.signed_at else None,
                "via": line.via,
            }
            for line in lines
        ]
        typer.echo(json.dumps({"plan_version": version, "people": rows}, indent=2))
        return
    signed = sum(line.signed_at is not None for line in lines)
    typer.echo(f"Planversion {version}: {signed} af {len(lines)} har underskrevet.")
    for line in lines:
        typer.echo(f"  {line.person.name} ({line.person.id}): {_day(line)}")


def _campaign(report: CampaignReport) -> None:
    typer.echo(report.text())
    if report.sent_to:
        typer.echo(f"Sendt til {', '.join(report.sent_to)}.")


@verify_cli.command("start")
def verify_start(no_deliver: NoDeliver = False) -> None:
    """Start en kontrol: alle bekræfter deres kontaktoplysninger / start a campaign."""
    campaign, messages = run(
        lambda app: preparedness.start_verification(app=app, actor=CHANNEL),
        deliver=not no_deliver,
    )
    typer.echo(
        f"Kontrol nr. {campaign.id} startet: {plural(messages, 'besked', 'beskeder')} sendt."
    )


@verify_cli.command("status")
def verify_status(
    send: Annotated[
        bool, typer.Option("--send", help="Send resultatet til sekretariatslederen.")
    ] = False,
) -> None:
    """Resultatet af den nyeste kontrol / the newest campaign's result."""
    _campaign(run(lambda app: preparedness.campaign_report(app=app, send=send), deliver=send))


@verify_cli.command("end")
def verify_end() -> None:
    """Afslut kontrollen og send resultatet til sekretariatslederen / end and report."""
    _campaign(run(lambda app: preparedness.campaign_report(app=app, end=True), deliver=True))


@verify_cli.command("remind")
def verify_remind(no_deliver: NoDeliver = False) -> None:
    """Påmind dem, der ikke har svaret / remind the unanswered (sign-off and verification)."""
    count = run(lambda app: preparedness.remind_unanswered(app=app), deliver=not no_deliver)
    typer.echo(f"{count} påmindet.")


@cli.command("readiness")
def readiness_report(as_json: JsonOpt = False) -> None:
    """Beredskabsstatus: roller, kanaler, PIN, kontrol, underskrift, svage punkter."""

    async def body(app: App) -> tuple[Readiness, str]:
        report = await readiness(db=app.db, plan=app.plan)
        return report, render(report, app.plan)

    report, text = run(body)
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(text)
