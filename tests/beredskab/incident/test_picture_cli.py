"""`beredskab picture show` and `picture set` through the command line (Typer's runner), on
SQLite and PostgreSQL: the same use case, refusals exit 3, sensitive text only with --as the
chief."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from beredskab.cli import cli
from tests.beredskab.helpers import CHIEF, SSP
from tests.beredskab.incident.test_picture import SENSITIVE

OUTSIDER = "lise-krogh"


def test_set_and_show_the_picture(tmp_path: Path, db_url: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[service]\ndata_dir = "var"\n[console]\necho = false\n[database]\nurl = "{db_url}"\n',
        encoding="utf-8",
    )
    runner = CliRunner()

    def call(*args: str, code: int = 0) -> str:
        done = runner.invoke(cli, ["-c", str(config), *args])
        assert done.exit_code == code, done.output
        return done.output

    call("activate", "1", "--as", CHIEF, "--description", "Brand", "--no-deliver")
    assert "ikke skrevet endnu" in call("picture", "show", "1")
    saved = call("picture", "set", "1", "--heading", "1", "--text", "Brand i kælder", "--as", SSP)
    assert "gemt som version 1" in saved
    call("picture", "set", "1", "--heading", SENSITIVE[:8], "--text", "Navn", "--as", CHIEF)
    stale = call(
        "picture",
        "set",
        "1",
        "--heading",
        "Hvor",
        "--text",
        "Zone 1",
        "--as",
        SSP,
        "--version",
        "1",
        code=1,
    )
    assert "Maria Friis" in stale and "version 2" in stale
    refused = call("picture", "set", "1", "--heading", "1", "--text", "x", "--as", OUTSIDER, code=3)
    assert "kun hændelsens deltagere og lederen" in refused
    shown = call("picture", "show", "1")
    assert "version 2" in shown and "Brand i kælder" in shown and "– Sara Lund" in shown
    assert "Navn" not in shown and "[følsomt, udeladt]" in shown
    assert "Navn" in call("picture", "show", "1", "--include-sensitive", "--as", CHIEF)
    call("picture", "show", "1", "--include-sensitive", "--as", SSP, code=3)
    assert "ikke én overskrift" in call(
        "picture", "set", "1", "--heading", "zz", "--text", "x", "--as", SSP, code=1
    )
