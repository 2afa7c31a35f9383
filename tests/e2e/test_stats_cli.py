"""`beredskab stats` from the command line: drills stay out of the figures unless asked for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli import CHIEF, POLICE, SSP, Cli


@pytest.mark.timeout(120)
def test_stats_counts_incidents_and_keeps_drills_apart(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli(
        "activate",
        "gruppe-2",
        "--as",
        POLICE,
        "--description",
        "Brand",
        "--police-case",
        "1",
        "--no-deliver",
    )
    cli("ack", "1", "--as", SSP, "--no-deliver")
    cli("close", "1", "--as", CHIEF, "--no-deliver")
    cli("drill", "gruppe-2", "--as", POLICE, "--no-deliver")

    text = cli("stats", "--since", "2000-01-01")
    assert "siden 01.01.2000 (øvelser er ikke medregnet): 1 hændelse\n" in text
    assert "(gruppe-2): 1 hændelse\n" in text and "(gruppe-1): 0 hændelser" in text
    assert "Til første bekræftelse: median" in text

    drills = json.loads(cli("stats", "--drills", "--json"))
    assert drills["drills"] is True and drills["incidents"] == 1
    group2 = next(p for p in drills["playbooks"] if p["playbook_id"] == "gruppe-2")
    assert group2["incidents"] == 1 and group2["first_confirmation"]["count"] == 0

    assert "--since skal være en dato" in cli("stats", "--since", "31-01-2026", expect=1)
