"""`beredskab pin set PERSON`: the PIN that is the second factor for SMS commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from beredskab.cli.common import CHANNEL, cli, fail, run, say

if TYPE_CHECKING:
    from beredskab.services import Services

pin_cli = typer.Typer(help="PIN til SMS-kommandoer / PINs for SMS commands.", no_args_is_help=True)
cli.add_typer(pin_cli, name="pin")


@pin_cli.command("set")
def set_pin(
    person: Annotated[str, typer.Argument(help="Person-id fra kontaktlisten / person id")],
    pin_stdin: Annotated[
        bool, typer.Option("--pin-stdin", help="Læs PIN fra stdin / read the PIN from stdin.")
    ] = False,
) -> None:
    """Sæt en persons PIN (4-8 cifre) / set a person's PIN (4-8 digits)."""
    if pin_stdin:
        pin = typer.get_text_stream("stdin").readline().strip()
    else:
        pin = typer.prompt(say("pin_prompt"), hide_input=True, confirmation_prompt=True).strip()
    if not pin:
        fail(say("pin_none"))
    from beredskab.security import pins

    async def body(app: Services) -> None:
        await pins.set_pin(db=app.db, plan=app.plan, person_id=person, pin=pin, channel=CHANNEL)

    run(body)
    typer.echo(say("pin_set", person=person))
