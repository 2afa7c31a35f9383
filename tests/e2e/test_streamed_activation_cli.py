"""A large activation through the real command line: the first chunk commits with the
incident, the rest is queued in chunks before the command exits, and every participant gets
the alert exactly once on each channel."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from beredskab.plan import load_plan
from tests.beredskab.helpers import expected_channels
from tests.e2e.test_cli import CHIEF, Cli
from tests.faults.support_delivery import big_directory

PEOPLE = 700
"""More than the first chunk plus one follow-up chunk (``fanout.FIRST_CHUNK``, ``CHUNK``)."""


def _cli(tmp_path: Path) -> tuple[Cli, list[str]]:
    directory = big_directory(PEOPLE, tmp_path)
    plan = load_plan(playbooks_dir=None, directory_file=directory)
    playbook = plan.playbook("gruppe-1")
    assert playbook is not None
    others = [p.id for p in plan.directory.with_any_role(playbook.participants) if p.id != CHIEF]
    cli = Cli(tmp_path, f'[plan]\ndirectory_file = "{directory}"\n')
    return cli, others


@pytest.mark.timeout(240)
def test_a_large_activation_on_the_command_line_delivers_to_everyone_once(
    tmp_path: Path,
) -> None:
    cli, others = _cli(tmp_path)
    out = cli("activate", "gruppe-1", "--as", CHIEF, "--description", "Brand")
    assert f"{len(others) + 1} deltagere underrettes" in out
    assert "sættes i kø i de næste sekunder" in out
    sent = Counter(
        (m["person"], m["channel"])
        for m in cli.lines()
        if m["incident"] == "1" and "aktiveret" in m["subject"].lower() and m["person"] != CHIEF
    )
    plan = load_plan(playbooks_dir=None, directory_file=tmp_path / f"kontakter-{PEOPLE}.toml")
    assert set(sent) == expected_channels(plan, others)
    assert set(sent.values()) == {1}
    status = json.loads(cli("status", "1", "--json"))
    asked = {c["person_id"] for c in status["confirmations"]}
    assert asked >= {CHIEF, *others}


@pytest.mark.timeout(240)
def test_no_deliver_still_queues_every_participant(tmp_path: Path) -> None:
    cli, others = _cli(tmp_path)
    cli("activate", "gruppe-1", "--as", CHIEF, "--no-deliver")
    assert not cli.outbox.exists() or not cli.outbox.read_text(encoding="utf-8")
    status = json.loads(cli("status", "1", "--json"))
    assert {c["person_id"] for c in status["confirmations"]} >= {CHIEF, *others}
    assert f"{len(others)} deltagere underrettet i alt" in cli("log", "1")
