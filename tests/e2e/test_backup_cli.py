"""`beredskab backup FILE` against a running `serve`: the copy is taken while the service and
another writer write to the database, restored into a fresh data folder, and its log chains
verify there with the key files backed up beside it."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from beredskab.incident import situation_log
from beredskab.plan import Plan
from tests.e2e.service import components_ok, start_service
from tests.postgres import free_port

POLICE = "kim-holm"


def _config(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    config = root / "config.toml"
    config.write_text(
        f'[service]\ndata_dir = "var"\n[web]\nport = {free_port()}\n[console]\necho = false\n',
        encoding="utf-8",
    )
    return config


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEREDSKAB_")}
    env.update(extra)
    return env


def _cli(config: Path, *args: str, expect: int = 0, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "beredskab", "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=env or _env(),
        cwd=config.parent,
        timeout=120,
    )
    assert done.returncode == expect, (args, done.stdout, done.stderr)
    return done.stdout + done.stderr


@pytest.mark.timeout(300)
async def test_a_backup_taken_while_serve_writes_restores_with_whole_chains(
    tmp_path: Path, plan: Plan
) -> None:
    live = tmp_path / "live"
    config = _config(live)
    service = await start_service(live, config, _env(), ready=lambda h: components_ok(h, "outbox"))
    db = service.database()
    stop = asyncio.Event()

    async def write() -> int:  # a second writer beside serve, all through the backups
        written = 0
        while not stop.is_set():
            await situation_log.add_entry(
                db=db,
                plan=plan,
                incident_id=1,
                actor_id=POLICE,
                text=f"note {written}",
                channel="cli",
            )
            written += 1
        return written

    backups = [tmp_path / f"backup-{n}.sqlite3" for n in range(3)]
    try:
        await asyncio.to_thread(  # serve sends every activation message: it writes
            _cli,
            config,
            "activate",
            "2",
            "--as",
            POLICE,
            "--police-case",
            "3700-1",
            "--no-deliver",
        )
        writer = asyncio.create_task(write())
        outputs = [await asyncio.to_thread(_cli, config, "backup", str(b)) for b in backups]
        stop.set()
        written = await writer
    finally:
        stop.set()
        await db.dispose()
        await service.stop()
    assert written > 0
    _restore_drill(tmp_path, live, backups, outputs)


def _restore_drill(tmp_path: Path, live: Path, backups: list[Path], outputs: list[str]) -> None:
    for backup, out in zip(backups, outputs, strict=True):
        assert f"Backup skrevet til {backup}" in out
        assert str(live / "var" / "keys" / "log.key") in out  # say what else to back up
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600
        assert not Path(f"{backup}-wal").exists()  # one self-contained file

    # The restore drill: a fresh data folder, the copy as its database, the key files beside.
    counts = []
    for n, backup in enumerate(backups):
        restored = _config(tmp_path / f"restore-{n}")
        (restored.parent / "var").mkdir()
        shutil.copyfile(backup, restored.parent / "var" / "beredskab.sqlite3")
        shutil.copytree(live / "var" / "keys", restored.parent / "var" / "keys")
        out = _cli(restored, "log", "verify", "1")
        found = re.search(r"(\d+) poster, kæden er ubrudt", out)
        assert found, out
        counts.append(int(found.group(1)))
        _cli(restored, "audit")  # the audit trail reads back too
    assert counts == sorted(counts)  # each copy is a later moment of one growing log


def test_a_backup_never_overwrites_and_postgresql_is_sent_to_pg_dump(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _cli(config, "status")  # makes the database
    target = tmp_path / "copy.sqlite3"
    target.write_text("keep me", encoding="utf-8")
    out = _cli(config, "backup", str(target), expect=1)
    assert "findes allerede; vælg et nyt filnavn" in out
    assert target.read_text(encoding="utf-8") == "keep me"
    out = _cli(config, "backup", str(tmp_path / "nowhere" / "x.sqlite3"), expect=1)
    assert "findes ikke" in out and not (tmp_path / "nowhere").exists()
    postgres = _env(BEREDSKAB_DATABASE__URL="postgresql+asyncpg://beredskab@127.0.0.1:1/b")
    out = _cli(config, "backup", str(tmp_path / "pg.sqlite3"), expect=1, env=postgres)
    assert "pg_dump" in out and not (tmp_path / "pg.sqlite3").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files
