"""`beredskab comms`: crisis communications on the command line, over the same use cases as
the web, the API and Telegram (``beredskab.communications``).

    beredskab comms list NR
    beredskab comms draft NR --to residents --to press [--template T] --as PERSON
    beredskab comms edit NR ID --subject S --text T --as PERSON
    beredskab comms approve NR ID [--publish] --as LEADER
    beredskab comms send NR ID --as PERSON [--no-deliver]
    beredskab comms discard NR ID --as PERSON

``send`` delivers what it queued before it exits (a resident message to every subscriber, in
chunks at the provider's rate) unless ``--no-deliver``: then ``serve`` sends it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from beredskab.cli.common import (
    CHANNEL,
    AsOpt,
    IncidentArg,
    NoDeliver,
    cli,
    fail,
    run,
    say,
)

if TYPE_CHECKING:
    from beredskab.services import Services
    from beredskab.storage.repositories.communications import Communication

CommunicationArg = Annotated[
    int, typer.Argument(help="Meddelelsens nummer / communication number (comms list).")
]

T = TypeVar("T")

comms_cli = typer.Typer(help="Krisekommunikation / crisis communications.", no_args_is_help=True)
cli.add_typer(comms_cli, name="comms")


def _row(item: Communication) -> str:
    return say(
        "comms_row",
        id=item.id,
        status=item.status.value,
        audience=item.audience,
        template=item.template,
        subject=item.subject,
    )


@comms_cli.command("list")
def list_comms(nr: IncidentArg) -> None:
    """Hændelsens krisekommunikation / an incident's crisis communications."""
    from beredskab.incident.lookup import require

    async def body(app: Services) -> list[Communication]:
        async with app.db.read() as tx:
            await require(tx, nr)
            return await tx.communications.list(nr)

    found = run(body)
    if not found:
        typer.echo(say("comms_none", nr=nr))
    for item in found:
        typer.echo(_row(item))


@comms_cli.command("draft")
def draft(
    nr: IncidentArg,
    to: Annotated[
        list[str],
        typer.Option(
            "--to",
            help="Målgruppe (gentag for flere): board, operations, partners, residents, press, "
            "institutions, businesses, associations / audience (repeat for more)",
        ),
    ],
    actor: AsOpt,
    template: Annotated[
        str | None, typer.Option("--template", help="Skabelon / template (default: audience's)")
    ] = None,
) -> None:
    """Skriv et udkast til en eller flere målgrupper / draft for one or more audiences."""
    from beredskab import communications

    kind = next((t for t in communications.TEMPLATES if t.value == template), None)
    if template is not None and kind is None:
        choices = ", ".join(t.value for t in communications.TEMPLATES)
        fail(say("comms_bad_template", t=template[:64], choices=choices), 2)

    async def body(app: Services) -> Communication:
        return await communications.draft(
            db=app.db,
            plan=app.plan,
            incident_id=nr,
            actor_id=actor,
            channel=CHANNEL,
            audience=[part[:32] for part in to],
            template=kind,
        )

    item = run(body)
    typer.echo(say("comms_drafted", id=item.id, audience=item.audience, template=item.template))


def _as(
    use_case: Callable[..., Awaitable[T]],
    nr: int,
    communication: int,
    actor: str,
    *,
    deliver: bool = False,
    queue_rest: bool = False,
    **values: object,
) -> T:
    """Run one communication use case as ``actor`` from the command line."""

    async def body(app: Services) -> T:
        return await use_case(
            db=app.db,
            plan=app.plan,
            incident_id=nr,
            communication_id=communication,
            actor_id=actor,
            channel=CHANNEL,
            **values,
        )

    return run(body, deliver=deliver, queue_rest=queue_rest)


@comms_cli.command("edit")
def edit(
    nr: IncidentArg,
    communication: CommunicationArg,
    subject: Annotated[str, typer.Option("--subject", help="Emne / subject")],
    text: Annotated[str, typer.Option("--text", help="Tekst / text")],
    actor: AsOpt,
) -> None:
    """Ret et udkasts danske tekst / edit a draft's Danish text."""
    from beredskab import communications

    _as(communications.edit, nr, communication, actor, subject=subject, text=text)
    typer.echo(say("comms_saved", id=communication))


@comms_cli.command("approve")
def approve(
    nr: IncidentArg,
    communication: CommunicationArg,
    actor: AsOpt,
    publish: Annotated[
        bool, typer.Option("--publish", help="Også på /info / also on the public page")
    ] = False,
) -> None:
    """Godkend (kun lederen) / approve (the leader only)."""
    from beredskab import communications

    _as(communications.approve, nr, communication, actor, publish=publish)
    typer.echo(say("comms_approved", id=communication))


@comms_cli.command("send")
def send(
    nr: IncidentArg, communication: CommunicationArg, actor: AsOpt, no_deliver: NoDeliver = False
) -> None:
    """Send en godkendt kommunikation, én gang / send an approved communication, once."""
    from beredskab import communications

    result = _as(
        communications.send,
        nr,
        communication,
        actor,
        deliver=not no_deliver,
        queue_rest=no_deliver,
    )
    typer.echo(say("comms_sent", id=communication, n=len(result.recipients), r=result.residents))


@comms_cli.command("discard")
def discard(nr: IncidentArg, communication: CommunicationArg, actor: AsOpt) -> None:
    """Læg til side / set aside."""
    from beredskab import communications

    _as(communications.discard, nr, communication, actor)
    typer.echo(say("comms_discarded", id=communication))
