"""The CLI for the chief's work: `task add`, `task done` (only with an outcome),
`task reassign` (a sentence with names) and `convene`, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from beredskab.cli import cli
from beredskab.models import Task
from beredskab.storage import Database
from tests.beredskab.helpers import CHIEF, SSP, STAFF


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[service]\ndata_dir = "var"\n[database]\nurl = "{db_url}"\n[console]\necho = false\n',
        encoding="utf-8",
    )
    return path


def _run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-c", str(config), *args])


def _tasks(db_url: str, nr: int) -> list[Task]:
    async def read() -> list[Task]:
        db = Database(db_url)
        try:
            async with db.transaction() as tx:
                return await tx.tasks.list(nr)
        finally:
            await db.dispose()

    return asyncio.run(read())


def test_the_chief_gives_hands_on_and_a_task_is_finished_with_an_outcome(
    config: Path, db_url: str
) -> None:
    opened = _run(config, "activate", "1", "--as", CHIEF, "--zone", "1", "--no-deliver")
    assert opened.exit_code == 0, opened.output
    given = _run(
        config,
        "task", "add", "1", "--to", SSP, "--text", "Ring til klubben", "--due", "14:30",
        "--as", CHIEF, "--no-deliver",
    )  # fmt: skip
    assert given.exit_code == 0, given.output
    assert given.stdout.startswith("Opgave 1 er givet til Sara Lund (frist ")
    assert "14:30" in given.stdout
    [task] = _tasks(db_url, 1)
    assert task.text == "Ring til klubben" and task.assignee == SSP

    moved = _run(config, "task", "reassign", "1", "1", "--to", STAFF, "--as", CHIEF)
    assert moved.exit_code == 0, moved.output
    assert moved.stdout.strip() == "Opgave 1 (Ring til klubben) er givet videre til Amira Hassan."

    no_outcome = _run(config, "task", "done", "1", "1", "--as", STAFF)
    assert no_outcome.exit_code == 1
    assert "outcome" in no_outcome.output or "resultat" in no_outcome.output.lower()
    assert _tasks(db_url, 1)[0].status.value == "assigned"
    done = _run(config, "task", "done", "1", "1", "--as", STAFF, "--outcome", "–")
    assert done.exit_code == 0, done.output
    assert _tasks(db_url, 1)[0].outcome == "–"


def test_non_leaders_are_refused_and_convening_names_who_is_asked(config: Path) -> None:
    assert _run(config, "activate", "1", "--as", CHIEF, "--no-deliver").exit_code == 0
    refused = _run(
        config, "task", "add", "1", "--to", STAFF, "--text", "Hej", "--as", SSP, "--no-deliver"
    )
    assert refused.exit_code == 3, refused.output
    bad_due = _run(
        config, "task", "add", "1", "--to", STAFF, "--text", "Hej", "--due", "snart",
        "--as", CHIEF, "--no-deliver",
    )  # fmt: skip
    assert bad_due.exit_code == 1 and "fristen skrives som" in bad_due.output
    called = _run(
        config, "convene", "1", "lokalraad", "--at", "20:00", "--as", CHIEF, "--no-deliver"
    )
    assert called.exit_code == 0, called.output
    assert called.stdout.startswith("Lokalråd er indkaldt (Områdesekretariatet, ")
    assert "Bedt om at bekræfte: Line Dahl, Omar Aziz." in called.stdout
    assert _run(config, "convene", "1", "tot", "--as", SSP, "--no-deliver").exit_code == 3
