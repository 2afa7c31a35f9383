"""`beredskab status` answers while `serve` writes: it never waits for SQLite's write lock."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(240)  # fresh interpreters; slow under load


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "beredskab", "-c", str(config), *args],
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_status_answers_while_another_process_holds_the_write_lock(tmp_path: Path) -> None:
    """Both its reads (the schema check, then the incidents) begin deferred; a wait for the
    lock would end after the busy timeout in "database is locked"."""
    config = tmp_path / "config.toml"
    config.write_text(
        '[service]\ndata_dir = "var"\n[database]\nbusy_timeout_seconds = 0.5\n'
        "[console]\necho = false\n",
        encoding="utf-8",
    )
    assert _cli(config, "db", "upgrade").returncode == 0
    holder = sqlite3.connect(tmp_path / "var" / "beredskab.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # as `serve` does for each write
    try:
        listing = _cli(config, "--lang", "en", "status")
        as_json = _cli(config, "status", "--json")
    finally:
        holder.rollback()
        holder.close()
    assert (listing.returncode, listing.stdout, listing.stderr) == (0, "No incidents.\n", "")
    assert (as_json.returncode, as_json.stdout.strip()) == (0, "[]")
