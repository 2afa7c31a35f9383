"""A large stand-down through the real command line: the closing transaction tells the first
chunk, the rest are queued in chunks before the command exits, and everyone who was told of
the incident gets the stand-down message exactly once."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.test_cli import CHIEF, Cli
from tests.faults.support_delivery import big_directory

PEOPLE = 700
"""More than the first chunk plus one follow-up chunk (``fanout.FIRST_CHUNK``, ``CHUNK``)."""


@pytest.mark.timeout(240)
def test_a_large_stand_down_on_the_command_line_reaches_everyone_once(tmp_path: Path) -> None:
    directory = big_directory(PEOPLE, tmp_path)
    cli = Cli(tmp_path, f'[plan]\ndirectory_file = "{directory}"\n')
    cli("activate", "gruppe-1", "--as", CHIEF, "--no-deliver")
    status = json.loads(cli("status", "1", "--json"))
    told = {c["person_id"] for c in status["confirmations"]}
    assert len(told) > PEOPLE

    out = cli("close", "1", "--as", CHIEF)
    assert f"Hændelse 1 er afblæst. {len(told)} afblæsningsbeskeder i kø." in out
    sent = Counter(
        m["person"] for m in cli.lines() if m["incident"] == "1" and "afsluttet" in m["subject"]
    )
    assert set(sent) == told and set(sent.values()) == {1}
    log = cli("log", "1")
    assert f"{len(told)} personer orienteret." in log
    assert f"Afblæsningen er sendt ud til alle: {len(told)} personer orienteret i alt" in log
