"""`beredskab token create|list|revoke`: API tokens for integrations of the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from beredskab.cli.common import CHANNEL, cli, run, say, when

if TYPE_CHECKING:
    from beredskab.security import api_tokens
    from beredskab.services import Services

token_cli = typer.Typer(
    help="API-nøgler til integrationer / API tokens for integrations.", no_args_is_help=True
)
cli.add_typer(token_cli, name="token")


def _when(value: datetime | None) -> str:
    return when(value) if value else "-"


@token_cli.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Integrationens navn / the integration's name")],
    person: Annotated[
        str,
        typer.Option(
            "--as",
            help="Personen nøglen handler som; rollerne afgør hvad den må / "
            "the person the token acts as; their roles decide what it may do.",
        ),
    ],
) -> None:
    """Opret en API-nøgle (vises kun én gang) / create an API token (shown only once)."""
    from beredskab.security import api_tokens

    async def body(app: Services) -> api_tokens.CreatedToken:
        return await api_tokens.create(
            db=app.db, plan=app.plan, name=name, person_id=person, channel=CHANNEL
        )

    created = run(body)
    token = created.token
    typer.echo(say("token_created", id=token.id, name=token.name, person=token.person_id))
    typer.echo(created.plaintext)
    typer.echo(say("token_store"), err=True)


@token_cli.command("list")
def list_() -> None:
    """Vis API-nøgler (uden hemmeligheder) / list API tokens (no secrets)."""
    from beredskab.security import api_tokens

    async def body(app: Services) -> list[api_tokens.ApiToken]:
        return await api_tokens.list_tokens(db=app.db)

    tokens = run(body)
    if not tokens:
        typer.echo(say("token_none"))
        return
    typer.echo(say("token_columns"))
    for token in tokens:
        state = say("token_revoked_at", time=_when(token.revoked_at)) if token.revoked else ""
        typer.echo(
            f"{token.id:>4}  {token.prefix + '…':12} {token.person_id:20} "
            f"{_when(token.created_at):16}  {_when(token.last_used_at):16}  {token.name}{state}"
        )


@token_cli.command("revoke")
def revoke(
    token_id: Annotated[int, typer.Argument(metavar="ID", help="Nøglens id / the token's id")],
) -> None:
    """Tilbagekald en API-nøgle / revoke an API token; later calls with it get 401."""
    from beredskab.security import api_tokens

    async def body(app: Services) -> api_tokens.ApiToken:
        return await api_tokens.revoke(db=app.db, token_id=token_id, channel=CHANNEL)

    token = run(body)
    typer.echo(say("token_revoked", id=token.id, name=token.name))
