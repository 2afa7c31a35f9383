"""Preparedness from the command line: readiness report, sign-off and verification."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli import Cli


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@pytest.mark.timeout(120)
def test_readiness_signoff_and_verification(cli: Cli) -> None:
    text = cli("readiness")
    assert "ENKELTPUNKTSFEJL" in text
    assert "Roller med kun én person:" in text and "projektchef" in text
    assert "Rasmus Toft (rasmus-toft)" in text.split("Personer med kun én kanal")[1]
    report = json.loads(cli("readiness", "--json"))
    assert "projektchef" in report["single_holder_roles"]
    assert report["one_channel"] == ["rasmus-toft"]
    assert "maria-friis" in report["activators_without_pin"]

    assert "spurgt nu" in cli("signoff", "request")
    again = cli("signoff", "request", "--no-deliver")
    assert "0 spurgt nu (0 beskeder)" in again and "afventer svar, 0 har underskrevet" in again
    assert "0 af" in cli("signoff", "status")
    assert any(line["subject"].startswith("Beredskabsplanen") for line in cli.lines())

    assert "Kontrol nr. 1 startet" in cli("verify", "start")
    assert "0 har bekræftet" in cli("verify", "status")
    ended = cli("verify", "end")
    assert "afsluttet" in ended and "karen-hald" in ended
    assert cli("verify", "remind").strip().endswith("påmindet.")
