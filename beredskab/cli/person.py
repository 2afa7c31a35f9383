"""`beredskab person export ID` (GDPR art. 15) and `beredskab person erase ID`
(pseudonymisation): thin adapters over ``beredskab.privacy`` (docs/privacy.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from beredskab.cli.common import cli, fail, run, say

if TYPE_CHECKING:
    from beredskab.privacy.erase import EraseResult
    from beredskab.services import Services

person_cli = typer.Typer(
    help="En persons data: indsigt og sletning / a person's data: access and erasure.",
    no_args_is_help=True,
)
cli.add_typer(person_cli, name="person")

PersonArg = Annotated[str, typer.Argument(help="Person-id / person id")]
NameOpt = Annotated[
    list[str] | None,
    typer.Option("--name", help="Navn at søge efter i fritekst / a name to look for in free text"),
]
PhoneOpt = Annotated[
    list[str] | None, typer.Option("--phone", help="Telefonnummer / phone number (E.164)")
]
EmailOpt = Annotated[list[str] | None, typer.Option("--email", help="E-mail / email address")]


@person_cli.command("export")
def export(
    person: PersonArg,
    name: NameOpt = None,
    phone: PhoneOpt = None,
    email: EmailOpt = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Skriv til fil / write to a file")
    ] = None,
) -> None:
    """Alt om en person som JSON (GDPR art. 15) / everything about a person as JSON."""
    from beredskab.privacy import export as use_case

    async def body(app: Services) -> dict[str, Any]:
        return await use_case.export(
            db=app.db,
            plan=app.plan,
            person_id=person,
            names=name or [],
            phones=phone or [],
            emails=email or [],
        )

    found = run(body)
    text = json.dumps(found, ensure_ascii=False, indent=2, sort_keys=False)
    if output is None:
        typer.echo(text)
        return
    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        fail(f"{output}: {exc.strerror or exc}")
    typer.echo(say("person_written", path=output), err=True)


@person_cli.command("erase")
def erase(
    person: PersonArg,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Også hvis personen stadig står i kontaktlisten / even if the person is "
            "still in the contact directory",
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Spørg ikke / do not ask")] = False,
    name: NameOpt = None,
    phone: PhoneOpt = None,
    email: EmailOpt = None,
) -> None:
    """Pseudonymisér en person i gemte hændelser / pseudonymise a person in stored incidents."""
    if not yes and not typer.confirm(say("person_confirm", person=person)):
        fail(say("person_cancelled"))
    from beredskab.privacy import erase as use_case

    async def body(app: Services) -> tuple[EraseResult, bool]:
        done = await use_case.erase(
            db=app.db,
            plan=app.plan,
            person_id=person,
            force=force,
            names=name or [],
            phones=phone or [],
            emails=email or [],
        )
        return done, app.plan.directory.person(person) is None

    done, gone = run(body)
    typer.echo(
        say(
            "person_erased",
            person=person,
            pseudonym=done.pseudonym,
            log=done.log_entries,
            rows=done.rows,
        )
    )
    if gone and not name:
        typer.echo(say("person_no_name"), err=True)
