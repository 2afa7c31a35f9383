"""Tamper evidence through the CLI: one stored key for every process, `log verify` and
`report --head` against the head the leader got at stand-down."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from beredskab.app import App
from beredskab.cli import cli
from beredskab.incident import activation, situation_log, standdown
from beredskab.incident.chain_head import TEMPLATE
from beredskab.settings import load_settings
from beredskab.storage import Database
from tests.beredskab.chain_tamper import tamper
from tests.beredskab.helpers import CHIEF, POLICE, SSP, deliveries


def _config(tmp_path: Path, db_url: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[service]\ndata_dir = "var"\n[database]\nurl = "{db_url}"\n[console]\necho = false\n',
        encoding="utf-8",
    )
    return config


def _stand_down_an_incident(config: Path) -> tuple[int, str, list[str]]:
    """In one App: activate, write, stand down. Returns the number, the head the leader was
    sent and the texts of the head messages."""

    async def story() -> tuple[int, str, list[str]]:
        app = App.build(load_settings(config))
        try:
            await app.start()
            nr = (
                await activation.activate(
                    db=app.db,
                    plan=app.plan,
                    playbook="2",
                    actor_id=POLICE,
                    channel="cli",
                    police_case="3700-1",
                )
            ).incident.id
            for text in ("Samlet ved skolen", "Politiet er på stedet"):
                await situation_log.add_entry(
                    db=app.db, plan=app.plan, incident_id=nr, actor_id=SSP, text=text, channel="cli"
                )
            await standdown.close(
                db=app.db, plan=app.plan, incident_id=nr, actor_id=CHIEF, channel="cli"
            )
            sent = [d for d in await deliveries(app.db, nr) if d.template == TEMPLATE]
            async with app.db.read() as tx:
                entries = await tx.log.list(nr)
            closing = next(e for e in entries if e.kind.value == "closed")
            return nr, situation_log.Head.of(closing).short, [d.text for d in sent]
        finally:
            await app.aclose()

    return asyncio.run(story())


def test_verify_and_report_find_a_deleted_tail_with_the_key_kept_across_processes(
    tmp_path: Path, db_url: str
) -> None:
    config = _config(tmp_path, db_url)
    nr, head, texts = _stand_down_an_incident(config)
    key_file = tmp_path / "var" / "keys" / "log.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [t for t in texts if head in t] == texts and len(texts) == 1  # the leader, once
    assert f"beredskab log verify {nr} --head {head}" in texts[0]

    runner = CliRunner()
    ok = runner.invoke(cli, ["-c", str(config), "log", "verify", str(nr), "--head", head])
    assert ok.exit_code == 0, ok.output
    assert "kæden er ubrudt" in ok.stdout and f"passer med hovedet {head}" in ok.stdout
    # another process reads the same key file (a new key would break every entry)
    other = subprocess.run(
        [sys.executable, "-m", "beredskab", "-c", str(config), "log", "verify", str(nr)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "BEREDSKAB_CONFIG": ""},
    )
    assert other.returncode == 0, other.stderr
    assert "kæden er ubrudt" in other.stdout and "log_key is not set" not in other.stderr
    listed = runner.invoke(cli, ["-c", str(config), "log", str(nr)])  # `log NR` still lists
    assert listed.exit_code == 0 and "Politiet er på stedet" in listed.stdout

    count = int(head.split(":")[0])
    asyncio.run(_delete_from(db_url, nr, count - 1))
    broken = runner.invoke(cli, ["-c", str(config), "log", "verify", str(nr), "--head", head])
    assert broken.exit_code == 4
    assert f"Der mangler poster efter post {count - 2}: hovedet sagde {count} poster" in (
        broken.stdout
    )
    unchecked = runner.invoke(cli, ["-c", str(config), "report", str(nr)])
    assert unchecked.exit_code == 0  # without a head a clean cut is invisible
    checked = runner.invoke(cli, ["-c", str(config), "report", str(nr), "--head", head])
    assert checked.exit_code == 4
    assert "Situationsrapport" in checked.stdout and "FEJL:" in checked.stdout
    assert "Der mangler poster efter post" in checked.stderr
    bad = runner.invoke(cli, ["-c", str(config), "log", "verify", str(nr), "--head", "nope"])
    assert bad.exit_code == 1 and "42:0123456789abcdef" in bad.stderr


def test_a_different_key_fails_verification(tmp_path: Path, db_url: str) -> None:
    config = _config(tmp_path, db_url)
    nr, _head, _texts = _stand_down_an_incident(config)
    runner = CliRunner()
    wrong = runner.invoke(
        cli,
        ["-c", str(config), "log", "verify", str(nr)],
        env={"BEREDSKAB_SECURITY__LOG_KEY": "a-key-that-is-not-the-one-in-use-000"},
    )
    assert wrong.exit_code == 4
    assert "Kæden er brudt ved post 1" in wrong.stdout
    missing = runner.invoke(cli, ["-c", str(config), "log", "verify", "999"])
    assert missing.exit_code == 1


async def _delete_from(db_url: str, nr: int, seq: int) -> None:
    db = Database(db_url)
    try:
        await tamper(
            db, "DELETE FROM log_entries WHERE incident_id = :nr AND seq >= :seq", nr=nr, seq=seq
        )
    finally:
        await db.dispose()
