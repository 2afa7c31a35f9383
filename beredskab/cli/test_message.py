"""`beredskab test-message PERSON`: a marked test on a person's channels, with its outcome."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, Annotated

import typer

from beredskab.cli.common import CHANNEL, cli, fail, language, run

if TYPE_CHECKING:
    from beredskab.models import Delivery
    from beredskab.services import Services

WAIT_SECONDS = 60.0


@cli.command("test-message")
def test_message(
    person: Annotated[str, typer.Argument(help="Person-id fra kontaktlisten / person id.")],
    channel: Annotated[
        str | None,
        typer.Option(
            "--channel",
            help="Kun denne kanal / only this channel: sms, voice, email or telegram "
            "(default: every channel the person has; voice only when asked).",
        ),
    ] = None,
    wait: Annotated[
        float,
        typer.Option(
            "--wait", min=0.0, max=600.0, help="Sekunder at vente på status / seconds to wait."
        ),
    ] = WAIT_SECONDS,
    no_deliver: Annotated[
        bool, typer.Option("--no-deliver", help="Kun sæt i kø / only queue; `serve` sends.")
    ] = False,
    actor: Annotated[
        str | None, typer.Option("--as", help="Hvem du er (til revisionsloggen) / who you are.")
    ] = None,
) -> None:
    """Send en testbesked / send a test message (marked as a test, not an incident) on each
    of a person's channels and show each one's delivery status. Exits 1 when one fails."""
    from beredskab.operations import test_message as use_case
    from beredskab.operations.texts import say
    from notifier.types import ChannelKind

    lang = language()
    kind: ChannelKind | None = None
    if channel is not None:
        try:
            kind = ChannelKind(channel.lower())
        except ValueError:
            raise typer.BadParameter(
                "sms, voice, email or telegram", param_hint="--channel"
            ) from None
    who = actor or f"{CHANNEL}:{getpass.getuser()}"

    def state(delivery: Delivery) -> str:
        say.mark("delivery_queued", "delivery_sending", "delivery_sent", "delivery_delivered")
        say.mark("delivery_failed", "delivery_expired")
        return say(f"delivery_{delivery.status.value}", lang)

    def line(delivery: Delivery) -> str:
        reason = f" ({delivery.error})" if delivery.error else ""
        return say(
            "test_progress",
            lang,
            channel=delivery.channel.value,
            status=state(delivery),
            reason=reason,
        )

    async def body(app: Services) -> list[Delivery]:
        ids = await use_case.send(app=app, person_id=person, channel=kind, actor=who, via=CHANNEL)
        name = app.plan.directory.person(person)
        queued = await use_case.rows(app.db, ids)
        channels = ", ".join(d.channel.value for d in queued)
        shown = name.name if name is not None else person
        if no_deliver:
            typer.echo(say("test_queued_only", lang, name=shown, channels=channels))
            return queued
        typer.echo(say("test_queued", lang, name=shown, channels=channels, seconds=wait))
        return await use_case.follow(
            app.db,
            ids,
            within=wait,
            changed=lambda d: typer.echo(line(d)),
            deliver=app.outbox.drain,
        )

    final = run(body, deliver=not no_deliver)
    if no_deliver:
        return
    typer.echo(say("test_result_head", lang))
    for delivery in final:
        reason = f" — {delivery.error}" if delivery.error else ""
        typer.echo(
            say(
                "test_result",
                lang,
                channel=delivery.channel.value,
                status=state(delivery),
                address=delivery.address,
                reason=reason,
            )
        )
    failed = [d for d in final if d.status.value in ("failed", "expired")]
    if failed:
        fail(say("test_failed", lang, count=len(failed)))
    if not all(use_case.is_final(d) for d in final):
        typer.echo(say("test_waiting", lang))
        return
    typer.echo(say("test_ok", lang))
