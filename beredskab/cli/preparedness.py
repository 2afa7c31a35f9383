"""`beredskab signoff`, `beredskab verify` and `beredskab readiness`: preparedness between
incidents, each a thin adapter over ``beredskab.preparedness``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from beredskab.cli.common import CHANNEL, NoDeliver, cli, run, say
from beredskab.i18n import LOCAL_TZ

if TYPE_CHECKING:
    from beredskab.preparedness.readiness import Readiness
    from beredskab.preparedness.signoff import SignoffLine
    from beredskab.preparedness.verification import CampaignReport
    from beredskab.services import Services

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
        return say("signed_on", time=when, via=line.via)
    return say("awaiting") if line.asked_at is not None else say("not_asked")


@signoff_cli.command("request")
def signoff_request(no_deliver: NoDeliver = False) -> None:
    """Bed alle deltagere bekræfte den gældende planversion / ask for sign-off."""
    from beredskab import preparedness

    result = run(lambda app: preparedness.request_signoff(app=app), deliver=not no_deliver)
    typer.echo(
        say(
            "signoff_requested",
            version=result.version,
            asked=len(result.asked),
            messages=result.messages,
            already=len(result.already_asked),
            pending=len(result.pending),
            signed=len(result.already_signed),
        )
    )


@signoff_cli.command("status")
def signoff_status(as_json: JsonOpt = False) -> None:
    """Hvem har underskrevet den gældende planversion / who signed the current version."""
    from beredskab import preparedness

    async def body(app: Services) -> tuple[str, list[SignoffLine]]:
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
    typer.echo(say("signoff_summary", version=version, signed=signed, total=len(lines)))
    for line in lines:
        typer.echo(f"  {line.person.name} ({line.person.id}): {_day(line)}")


def _campaign(report: CampaignReport) -> None:
    typer.echo(report.text())
    if report.sent_to:
        typer.echo(say("sent_to", names=", ".join(report.sent_to)))


@verify_cli.command("start")
def verify_start(no_deliver: NoDeliver = False) -> None:
    """Start en kontrol: alle bekræfter deres kontaktoplysninger / start a campaign."""
    from beredskab import preparedness

    campaign, messages = run(
        lambda app: preparedness.start_verification(app=app, actor=CHANNEL),
        deliver=not no_deliver,
    )
    typer.echo(say("verify_started", nr=campaign.id, messages=messages))


@verify_cli.command("status")
def verify_status(
    send: Annotated[
        bool, typer.Option("--send", help="Send resultatet til sekretariatslederen.")
    ] = False,
) -> None:
    """Resultatet af den nyeste kontrol / the newest campaign's result."""
    from beredskab import preparedness

    _campaign(run(lambda app: preparedness.campaign_report(app=app, send=send), deliver=send))


@verify_cli.command("end")
def verify_end() -> None:
    """Afslut kontrollen og send resultatet til sekretariatslederen / end and report."""
    from beredskab import preparedness

    _campaign(run(lambda app: preparedness.campaign_report(app=app, end=True), deliver=True))


@verify_cli.command("remind")
def verify_remind(no_deliver: NoDeliver = False) -> None:
    """Påmind dem, der ikke har svaret / remind the unanswered (sign-off and verification)."""
    from beredskab import preparedness

    count = run(lambda app: preparedness.remind_unanswered(app=app), deliver=not no_deliver)
    typer.echo(say("reminded", count=count))


@cli.command("readiness")
def readiness_report(as_json: JsonOpt = False) -> None:
    """Beredskabsstatus: roller, kanaler, PIN, kontrol, underskrift, svage punkter."""
    from beredskab.preparedness.readiness import readiness, render

    async def body(app: Services) -> tuple[Readiness, str]:
        report = await readiness(db=app.db, plan=app.plan)
        return report, render(report, app.plan)

    report, text = run(body)
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(text)
