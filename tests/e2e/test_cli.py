"""End to end through the real command line, as an operator would use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

POLICE, CHIEF, SSP = "kim-holm", "maria-friis", "sara-lund"


class Cli:
    """Runs `python -m beredskab` with a config in a temporary folder."""

    def __init__(self, root: Path, extra: str = "") -> None:
        self.root = root
        self.config = root / "config.toml"
        self.config.write_text(f'[service]\ndata_dir = "var"\n{extra}', encoding="utf-8")
        self.outbox = root / "var" / "outbox.jsonl"

    def __call__(self, *args: str, expect: int = 0) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BEREDSKAB_")}
        done = subprocess.run(
            [sys.executable, "-m", "beredskab", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.root,
            timeout=60,
        )
        assert done.returncode == expect, (args, done.stdout, done.stderr)
        return done.stdout + done.stderr

    def lines(self) -> list[dict[str, str]]:
        return [json.loads(line) for line in self.outbox.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@pytest.mark.timeout(240)  # some twenty CLI processes
def test_a_whole_incident_from_the_command_line(cli: Cli) -> None:
    assert "planen er OK, version" in cli("plan", "check")
    out = cli(
        "activate",
        "gruppe-2",
        "--as",
        POLICE,
        "--description",
        "Skud ved Korskærparken",
        "--zone",
        "2",
        "--police-case",
        "3700-98765",
    )
    assert "Hændelse 1 oprettet" in out
    status = json.loads(cli("status", "1", "--json"))
    participants = {c["person_id"] for c in status["confirmations"] if c["reason"] == "participant"}
    sent = cli.lines()
    activation = {(m["person"], m["channel"]) for m in sent if "aktiveret" in m["subject"].lower()}
    assert {p for p, _ in activation} == participants
    assert all(m["incident"] == "1" and m["to"] for m in sent)
    assert all(len(m["text"]) <= 160 for m in sent if m["channel"] == "sms")
    assert "allerede aktiv som hændelse 1" in cli("activate", "2", "--as", CHIEF)

    assert "Sara Lund har bekræftet hændelse 1" in cli("ack", "1", "--as", SSP)
    assert "intet ændret" in cli("ack", "1", "--as", SSP)
    assert "Afvist" in cli("step", "done", "1", "1", "--as", SSP, expect=3)
    for step in ("1", "2", "3", "4", "5"):
        cli("step", "done", "1", step, "--as", CHIEF, "--note", f"trin {step} klaret")
    tasks = json.loads(cli("status", "1", "--json"))["tasks"]
    assert tasks, "the outreach step creates tasks"
    first = tasks[0]
    cli("task", "accept", "1", str(first["number"]), "--as", first["assignee"])
    out = cli(
        "task",
        "done",
        "1",
        str(first["number"]),
        "--as",
        first["assignee"],
        "--outcome",
        "Varmemester orienteret",
    )
    assert "er done" in out or "udført" in out
    cli("log", "1", "--note", "Navn på mistænkt kendt", "--as", CHIEF, "--sensitive")
    uncited = cli(
        "log", "1", "--note", "Ved skolen", "--kind", "correction", "--as", CHIEF, expect=1
    )
    assert "rettelse skal angive den post, den retter" in uncited
    assert "Traceback" not in uncited and len(uncited.strip().splitlines()) == 1
    cli("log", "1", "--note", "Det var ved skolen", "--corrects", "1", "--as", CHIEF)
    assert "(retter post 1) Det var ved skolen" in cli("log", "1")
    assert "afblæst" in cli("close", "1", "--as", CHIEF)
    stand_down = {
        m["person"] for m in cli.lines() if m["subject"] and "afsluttet" in m["subject"].lower()
    }
    assert participants <= stand_down
    unfilled = [m["text"] for m in cli.lines() if "{" in m["text"] + (m["subject"] or "")]
    assert unfilled == []  # every placeholder of every message was filled

    report = cli("report", "1")
    assert "# Situationsrapport — hændelse 1" in report
    assert "3700-98765" in report and "Varmemester orienteret" in report
    assert "Navn på mistænkt" not in report and "[fortrolig post udeladt]" in report
    assert "OK:" in report and "kæden er ubrudt" in report
    with_secret = cli("report", "1", "--include-sensitive", "--as", CHIEF)
    assert "Navn på mistænkt kendt" in with_secret
    cli("report", "1", "--include-sensitive", "--as", SSP, expect=3)


def test_unknown_person_and_bad_arguments_are_plain_errors(cli: Cli) -> None:
    assert "ikke i kontaktlisten" in cli("activate", "2", "--as", "nobody", expect=1)
    assert "ingen hændelse nummer 42" in cli("ack", "42", "--as", SSP, expect=1)
    zone = cli("--lang", "en", "activate", "1", "--as", CHIEF, "--zone", "7", expect=1)
    assert "zone must be 1-4" in zone


def test_broken_playbook_exits_1_with_precise_messages_and_changes_nothing(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    for name in ("gruppe-1.toml", "gruppe-2.toml"):
        (plans / name).write_bytes((files("playbooks") / "plans" / name).read_bytes())
    broken = (plans / "gruppe-2.toml").read_text(encoding="utf-8")
    broken = broken.replace('owner_role = "projektchef"', 'owner_rolle = "projektchef"', 1)
    (plans / "gruppe-2.toml").write_text(broken, encoding="utf-8")
    cli = Cli(tmp_path, f'[plan]\nplaybooks_dir = "{plans}"\n')
    out = cli("plan", "check", expect=1)
    assert "gruppe-2.toml" in out and "owner_rolle" in out and "hint:" in out
    assert "intet er ændret" in out
    cli("activate", "2", "--as", POLICE, expect=1)
    assert not (tmp_path / "var" / "beredskab.sqlite3").exists()
    assert not cli.outbox.exists()


def test_serve_delivers_queued_messages_and_stops_cleanly_on_sigterm(cli: Cli) -> None:
    import signal

    cli("activate", "1", "--as", CHIEF, "--no-deliver")
    assert not cli.outbox.exists()  # queued, not sent
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEREDSKAB_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "beredskab", "--config", str(cli.config), "serve"],
        cwd=cli.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        queued = json.loads(cli("status", "1", "--json"))["deliveries"]
        assert server.stdout is not None
        echoed = [json.loads(server.stdout.readline()) for _ in queued]  # one line per message
        assert {m["key"] for m in echoed} == {f"delivery-{d['id']}" for d in queued}
        assert len(cli.lines()) == len(queued)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0
    finally:
        if server.poll() is None:
            server.kill()
        server.communicate()
    delivered = json.loads(cli("status", "1", "--json"))["deliveries"]
    assert {d["status"] for d in delivered} == {"delivered"}


def test_a_drill_runs_end_to_end_with_ovelse_on_every_message(cli: Cli) -> None:
    assert "ØVELSE" in cli("drill", "gruppe-1", "--as", CHIEF, "--description", "Brand i kælder")
    sent = cli.lines()
    assert sent and all(m["text"].startswith(("ØVELSE", "DRILL")) for m in sent)
    assert "ØVELSE" in cli("status")
    cli("ack", "1", "--as", SSP)
    cli("step", "done", "1", "1", "--as", CHIEF)
    cli("close", "1", "--as", CHIEF)
    assert all(m["text"].startswith(("ØVELSE", "DRILL")) for m in cli.lines())
    report = cli("report", "1")
    assert "(ØVELSE)" in report and "## Øvelsesevaluering" in report
    assert "Sara Lund | 0 min" in report  # time to confirmation
    assert "**Svarede aldrig:**" in report and "Omar Nielsen" in report
