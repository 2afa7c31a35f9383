"""Commands on the incident as a whole: activate, upgrade, ack, close."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from beredskab import i18n
from beredskab.cli.common import (
    CHANNEL,
    AsOpt,
    IncidentArg,
    NoDeliver,
    cli,
    fail,
    language,
    run,
    say,
)
from beredskab.cli.texts import text

if TYPE_CHECKING:
    from beredskab.incident import facts
    from beredskab.services import Services


@cli.command()
def activate(
    playbook: Annotated[str, typer.Argument(help="gruppe-1, gruppe-2, 1 eller 2")],
    actor: AsOpt,
    description: Annotated[str, typer.Option(help="Hvad er sket / what happened")] = "",
    zone: Annotated[int | None, typer.Option(help="Zone 1-4")] = None,
    police_case: Annotated[
        str | None, typer.Option(help="Politiets journalnr. / police journal number")
    ] = None,
    police_case_pending: Annotated[
        bool,
        typer.Option(
            help="Journalnr. kommer senere (du mindes om det) / the number comes later "
            "(you are reminded)"
        ),
    ] = False,
    drill: Annotated[bool, typer.Option(help="ØVELSE / drill")] = False,
    no_deliver: NoDeliver = False,
) -> None:
    """Aktivér en beredskabsgruppe / activate a playbook.

    Gruppe 2 kræver --police-case NR eller --police-case-pending.
    """
    _activate(
        playbook,
        actor,
        description,
        zone,
        police_case,
        drill=drill,
        pending=police_case_pending,
        deliver=not no_deliver,
    )


def _activate(
    playbook: str,
    actor: str,
    description: str,
    zone: int | None,
    police_case: str | None,
    *,
    drill: bool,
    pending: bool = False,
    deliver: bool,
) -> None:
    from beredskab.incident import activation

    async def body(app: Services) -> activation.ActivationResult:
        return await activation.activate(
            db=app.db,
            plan=app.plan,
            playbook=playbook,
            actor_id=actor,
            channel=CHANNEL,
            description=description,
            zone=zone,
            police_case=police_case,
            police_case_pending=pending,
            drill=drill,
        )

    typer.echo(activation.summary(run(body, deliver=deliver, queue_rest=True), language()))


@cli.command()
def upgrade(
    nr: IncidentArg,
    playbook: Annotated[str, typer.Argument(help="Ny gruppe / new playbook, e.g. gruppe-2")],
    actor: AsOpt,
    police_case: Annotated[str | None, typer.Option(help="Politiets journalnr.")] = None,
    police_case_pending: Annotated[
        bool, typer.Option(help="Journalnr. kommer senere / the number comes later")
    ] = False,
    no_deliver: NoDeliver = False,
) -> None:
    """Opgradér en hændelse (gruppe 1 → 2) / upgrade an incident to another playbook.

    Gruppe 2 kræver --police-case NR eller --police-case-pending.
    """
    from beredskab.incident import activation

    async def body(app: Services) -> activation.ActivationResult:
        return await activation.upgrade(
            db=app.db,
            plan=app.plan,
            incident_id=nr,
            to_playbook=playbook,
            actor_id=actor,
            channel=CHANNEL,
            police_case=police_case,
            police_case_pending=police_case_pending,
        )

    result = run(body, deliver=not no_deliver)
    typer.echo(
        say(
            "upgraded",
            nr=nr,
            gruppe=result.incident.playbook_name,
            participants=result.participants,
        )
    )
    if result.asked:
        typer.echo(", ".join(result.asked))
    if result.halted is not None:
        typer.echo(say("drill_halted", drill=result.halted.id))
    if result.police_case_missing:
        typer.echo(say("police_case_pending", nr=nr))


@cli.command()
def ack(
    nr: IncidentArg,
    actor: AsOpt,
    decline: Annotated[bool, typer.Option(help="Kan ikke / cannot take part")] = False,
    no_deliver: NoDeliver = False,
) -> None:
    """Bekræft modtagelse / acknowledge an incident (or --decline)."""
    from beredskab.incident import acknowledgements

    async def body(app: Services) -> tuple[acknowledgements.AckResult, str, str | None]:
        result = await acknowledgements.record(
            db=app.db,
            plan=app.plan,
            incident_id=nr,
            person_id=actor,
            via=CHANNEL,
            decline=decline,
        )
        person = app.plan.directory.person(actor)
        deputy = app.plan.directory.person(result.deputy) if result.deputy else None
        return result, person.name if person else actor, deputy.name if deputy else None

    result, name, deputy = run(body, deliver=not no_deliver)
    key = "declined" if decline else ("acked" if result.changed else "ack_again")
    typer.echo(say(key, navn=name, nr=nr))
    if deputy:
        typer.echo(say("deputy", deputy=deputy))


@cli.command()
def close(
    nr: IncidentArg,
    actor: AsOpt,
    note: Annotated[str, typer.Option(help="Bemærkning / note")] = "",
    no_deliver: NoDeliver = False,
) -> None:
    """Afblæs beredskabet / stand down an incident."""
    from beredskab.incident import standdown

    async def body(app: Services) -> standdown.StandDownResult:
        return await standdown.close(
            db=app.db, plan=app.plan, incident_id=nr, actor_id=actor, channel=CHANNEL, note=note
        )

    result = run(body, deliver=not no_deliver, queue_rest=True)  # a large stand-down streams
    typer.echo(say("closed", nr=nr, messages=result.messages))


@cli.command()
def drill(
    playbook: Annotated[str, typer.Argument(help="gruppe-1, gruppe-2, 1 eller 2")],
    actor: AsOpt,
    description: Annotated[str, typer.Option(help="Øvelsens scenarie / drill scenario")] = "",
    zone: Annotated[int | None, typer.Option(help="Zone 1-4")] = None,
    no_deliver: NoDeliver = False,
) -> None:
    """Start en ØVELSE / run a drill: the full flow, every message marked ØVELSE."""
    _activate(
        playbook,
        actor,
        description or text("drill_description", "da"),  # stored: the incident's description
        zone,
        None,
        drill=True,
        deliver=not no_deliver,
    )


incident_cli = typer.Typer(help="Én hændelse / one incident.", no_args_is_help=True)
cli.add_typer(incident_cli, name="incident")


@incident_cli.command("set")
def set_facts(
    nr: IncidentArg,
    actor: AsOpt,
    police_case: Annotated[
        str | None, typer.Option(help="Politiets journalnr. / police journal number")
    ] = None,
    zone: Annotated[int | None, typer.Option(help="Zone 1-4")] = None,
    description: Annotated[str | None, typer.Option(help="Hvad er sket / what happened")] = None,
) -> None:
    """Ret en åben hændelses journalnr., zone eller beskrivelse / correct an incident's facts.

    Each changed fact becomes a correction entry in the situation log and is audited.
    """
    if police_case is None and zone is None and description is None:
        fail(say("error", message=say("facts_usage")))
    from beredskab.incident import facts

    async def body(app: Services) -> facts.FactsResult:
        return await facts.set_facts(
            db=app.db,
            plan=app.plan,
            incident_id=nr,
            actor_id=actor,
            channel=CHANNEL,
            police_case=police_case,
            zone=zone,
            description=description,
        )

    result = run(body)
    if not result.changed:
        typer.echo(say("facts_unchanged", nr=nr))
        return
    words = ", ".join(i18n.fact_word(fact, language()) for fact in result.changed)
    typer.echo(say("facts_changed", nr=nr, facts=words))
