"""`beredskab keys show|rotate`: where the signing keys come from, and rotating the link key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from beredskab.cli.common import cli, fail, language, say, settings, when
from beredskab.cli.texts import text
from beredskab.errors import BeredskabError, render

if TYPE_CHECKING:
    from beredskab.boundary.keys import KeyInfo

keys_cli = typer.Typer(
    help="Nøgler til links og loggens kæde / keys of links and the log chain.",
    no_args_is_help=True,
)
cli.add_typer(keys_cli, name="keys")


def _line(info: KeyInfo) -> str:
    where = str(info.path) if info.path else info.setting
    text.mark("keys_configured", "keys_generated", "keys_missing", "keys_invalid")
    line = say(f"keys_{info.state}", name=info.name, where=where, setting=info.setting)
    if info.fingerprint:
        line += say("keys_fingerprint", fingerprint=info.fingerprint)
    if info.problem:
        line += f": {info.problem}"
    for previous in info.previous:
        line += "\n" + say("keys_previous", until=when(previous.retires_at))
    return line


@keys_cli.command("show")
def show() -> None:
    """Vis hvor hver nøgle kommer fra (ingen hemmeligheder) / where each key comes from (no
    secrets; compare fingerprints between hosts)."""
    from beredskab.boundary.keys import describe_keys

    found = describe_keys(settings())
    for info in found:
        typer.echo(_line(info))
    if any(info.state == "invalid" for info in found):
        raise typer.Exit(1)


@keys_cli.command("rotate")
def rotate(
    name: Annotated[str, typer.Argument(help="link (log is not rotated: see the README)")],
    keep_hours: Annotated[
        float | None,
        typer.Option(
            "--keep-hours",
            min=0,
            help="Timer den gamle nøgle stadig gælder / hours the old key is still accepted "
            "(default: [security] link_hours, as long as its links live).",
        ),
    ] = None,
    retire_now: Annotated[
        bool,
        typer.Option(
            "--retire-now",
            help="De gamle nøgler gælder ikke mere (lækket) / refuse the old keys at once "
            "(one leaked); their links stop working.",
        ),
    ] = False,
) -> None:
    """Skift linknøglen; den gamle gælder til dens links er udløbet / rotate the link key; the
    old one is accepted until its links have expired."""
    from datetime import UTC, datetime, timedelta

    from beredskab.boundary.keys import LINK, LOG, KeyStore, fingerprint

    if name == LOG:
        fail(say("keys_log_not_rotated"))
    if name != LINK:
        fail(say("keys_unknown", name=name))
    config = settings()
    keep = timedelta(
        hours=0
        if retire_now
        else (config.security.link_hours if keep_hours is None else keep_hours)
    )
    now = datetime.now(UTC)
    if config.security.link_secret is not None and config.security.link_secret.get_secret_value():
        import secrets

        typer.echo(
            say(
                "keys_rotate_configured",
                secret=secrets.token_urlsafe(32),
                until=(now + keep).isoformat(timespec="seconds"),
            )
        )
        return
    store = KeyStore(config.service.data_dir / "keys")
    try:
        stored = store.rotate(LINK, keep=keep, now=now, retire_all=retire_now)
    except OSError as error:
        fail(say("keys_rotate_failed", path=store.path(LINK), reason=error.strerror or error))
    except BeredskabError as error:  # the key file cannot be used: say why, plainly
        fail(say("error", message=render(error, language())))
    typer.echo(say("keys_rotated", path=stored.path, fingerprint=fingerprint(stored.secret)))
    if stored.previous:
        typer.echo(say("keys_previous", until=when(stored.previous[0].retires_at)))
