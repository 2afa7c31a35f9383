"""`beredskab log`: a group whose default command shows or adds to the log (`log NR ...`,
defined in ``work``) and whose `verify` checks the hash chain against a kept head."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from beredskab.cli.common import IncidentArg, cli, fail, run, say
from beredskab.errors import BeredskabError
from beredskab.i18n import t

if TYPE_CHECKING:
    from beredskab.incident import situation_log
    from beredskab.services import Services

DEFAULT = "show"
CHAIN_BROKEN = 4
"""Exit code when the chain does not hold (broken, recomputed, or entries missing)."""


class _LogGroup(TyperGroup):
    """Anything that is not a subcommand goes to the default one, so `log 3` still works."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer vendors click
        first = args[0] if args else None
        if first is not None and first not in self.commands and first not in ctx.help_option_names:
            args = [DEFAULT, *args]
        return super().parse_args(ctx, args)


log_cli = typer.Typer(
    cls=_LogGroup,
    help="Situationsloggen: `log NR` viser, `log NR --note` skriver, `log verify NR` kontrollerer "
    "/ the situation log.",
    no_args_is_help=True,
)
cli.add_typer(log_cli, name="log")

HeadOpt = Annotated[
    str | None,
    typer.Option(
        "--head",
        help="Kædehovedet ANTAL:HASH fra en tidligere rapport / the chain head kept earlier.",
    ),
]


def parse_head(value: str | None) -> situation_log.Head | None:
    """The head given on the command line, or exit 1 with the reason."""
    if value is None:
        return None
    from beredskab.incident import situation_log

    try:
        return situation_log.Head.parse(value)
    except BeredskabError as exc:
        fail(t("error", message=str(exc)))


@log_cli.command("verify")
def verify(nr: IncidentArg, head: HeadOpt = None) -> None:
    """Kontrollér loggens hash-kæde / verify the log's hash chain.

    Exits 4 when the chain is broken, was recomputed without the key, or entries the head
    vouched for are missing.
    """
    from beredskab.incident import situation_log

    expected = parse_head(head)

    async def body(app: Services) -> situation_log.ChainCheck:
        return await situation_log.check(db=app.db, incident_id=nr, head=expected)

    result = run(body)
    typer.echo(result.message)
    if not result.ok:
        if result.head is not None:
            typer.echo(say("chain_unbroken_until", head=result.head.short))
        raise typer.Exit(CHAIN_BROKEN)
    typer.echo(say("chain_head", head=result.head.short if result.head else "-"))
