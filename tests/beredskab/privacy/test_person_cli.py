"""`beredskab person export|erase` and `log verify` of a removed incident, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from beredskab.cli import cli
from tests.beredskab.helpers import SSP
from tests.beredskab.incident.test_log_chain_cli import _config, _stand_down_an_incident


def test_export_then_erase_refused_then_forced(tmp_path: Path, db_url: str) -> None:
    config = _config(tmp_path, db_url)
    nr, head, _texts = _stand_down_an_incident(config)
    runner = CliRunner()
    exported = runner.invoke(cli, ["-c", str(config), "person", "export", SSP])
    assert exported.exit_code == 0, exported.output
    found = json.loads(exported.stdout)
    assert found["person_id"] == SSP and found["pin"] == "not set"
    assert "Politiet er på stedet" in [e["text"] for e in found["log_entries"]]

    refused = runner.invoke(cli, ["-c", str(config), "person", "erase", SSP, "--yes"])
    assert refused.exit_code == 1
    [line] = refused.stderr.strip().splitlines()  # one plain line with the way out
    assert "står stadig i kontaktlisten" in line and "--force" in line

    forced = runner.invoke(cli, ["-c", str(config), "person", "erase", SSP, "--yes", "--force"])
    assert forced.exit_code == 0, forced.output
    assert "pseudonymiseret som slettet-" in forced.stdout
    verified = runner.invoke(cli, ["-c", str(config), "log", "verify", str(nr), "--head", head])
    assert verified.exit_code == 0, verified.output
    assert "kæden er ubrudt" in verified.stdout
    again = runner.invoke(cli, ["-c", str(config), "person", "export", SSP])
    assert json.loads(again.stdout)["log_entries"] == []  # nothing names them any more
