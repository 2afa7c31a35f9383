"""Drills, the police case and upgrades through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli import CHIEF, POLICE, SSP, Cli


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@pytest.mark.timeout(180)
def test_a_real_activation_during_a_drill_and_a_drill_during_a_real_incident(cli: Cli) -> None:
    out = cli("drill", "gruppe-2", "--as", CHIEF, "--description", "Øvelse: uro")
    assert "ØVELSE 1 startet: Beredskabsgruppe 2" in out
    out = cli(
        "activate",
        "gruppe-2",
        "--as",
        POLICE,
        "--description",
        "RIGTIG: skud",
        "--police-case",
        "3700-55",
    )
    assert "Hændelse 2 oprettet: Beredskabsgruppe 2 (rigtig hændelse, ikke øvelse)" in out
    assert "øvelse 1 er afbrudt" in out
    halted = [m for m in cli.lines() if m["incident"] == "1" and "AFBRUDT" in m["text"]]
    assert {m["person"] for m in halted} >= {SSP, POLICE}
    real = [m for m in cli.lines() if m["incident"] == "2"]
    assert real and not any(m["text"].startswith("ØVELSE") for m in real)
    status = json.loads(cli("status", "1", "--json"))
    assert status["incident"]["status"] == "closed"
    out = cli("drill", "gruppe-2", "--as", CHIEF, expect=1)
    assert "hændelse 2 (Beredskabsgruppe 2) er i gang; en øvelse kan ikke startes nu" in out


@pytest.mark.timeout(180)
def test_the_police_case_on_the_command_line(cli: Cli) -> None:
    out = cli("activate", "2", "--as", POLICE, expect=1)
    assert "--police-case-pending" in out
    out = cli("activate", "1", "--as", CHIEF, "--police-case", "3700-1", expect=1)
    assert "opgrader til gruppe 2 med `upgrade`" in out
    out = cli("activate", "2", "--as", POLICE, "--police-case-pending", "--no-deliver")
    assert "Hændelse 1 oprettet" in out and "journalnummer mangler" in out
    out = cli("activate", "2", "--as", CHIEF, "--police-case", "3700-9", "--no-deliver")
    assert "allerede aktiv som hændelse 1" in out
    assert json.loads(cli("status", "1", "--json"))["incident"]["police_case"] == "3700-9"


@pytest.mark.timeout(180)
def test_an_upgrade_on_the_command_line(cli: Cli) -> None:
    cli("activate", "1", "--as", SSP, "--description", "uro", "--no-deliver")
    out = cli("upgrade", "1", "gruppe-2", "--as", CHIEF, expect=1)
    assert "--police-case-pending" in out
    out = cli("upgrade", "1", "gruppe-2", "--as", CHIEF, "--police-case", "3700-5", "--no-deliver")
    assert "Hændelse 1 er nu Beredskabsgruppe 2" in out
    assert "Kim Holm" in out and "Sara Lund" in out
