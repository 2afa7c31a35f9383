"""Key files: made once with owner-only permissions, shared by every process, never half-written."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr

from beredskab.errors import ConfigError
from beredskab.security import keys
from beredskab.security.keys import KeyStore, configured_or_stored


def test_a_key_is_made_once_private_and_then_reused(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    first = store.load_or_create("log")
    again = KeyStore(tmp_path / "keys").load_or_create("log")
    assert first.created and not again.created
    assert first.secret == again.secret and len(first.secret) == keys.KEY_BYTES
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == ["log.key"]
    assert store.load_or_create("other").secret != first.secret


def test_racing_threads_agree_on_one_key(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    start = threading.Barrier(8)
    found: list[keys.StoredKey] = []

    def take() -> None:
        start.wait()
        found.append(store.load_or_create("log"))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({k.secret for k in found}) == 1
    assert sum(k.created for k in found) == 1
    assert [p.name for p in (tmp_path / "keys").iterdir()] == ["log.key"]


def test_the_loser_of_a_race_takes_the_winners_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = KeyStore(tmp_path / "keys")
    winner = store.load_or_create("log")
    real_read = keys._read
    calls = []

    def not_there_yet(path: Path) -> bytes:  # the file appears between our look and our link
        calls.append(path)
        if len(calls) == 1:
            raise FileNotFoundError(path)
        return real_read(path)

    monkeypatch.setattr(keys, "_read", not_there_yet)
    loser = store.load_or_create("log")
    assert loser.secret == winner.secret and not loser.created
    assert [p.name for p in (tmp_path / "keys").iterdir()] == ["log.key"]  # no temp file left


def test_two_processes_share_the_key(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from beredskab.security.keys import KeyStore; "
        "print(KeyStore(Path(sys.argv[1])).load_or_create('log').secret.hex())"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path / "keys")], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    printed = {run.communicate(timeout=60)[0].strip() for run in runs}
    assert len(printed) == 1 and len(printed.pop()) == 2 * keys.KEY_BYTES


@pytest.mark.parametrize(
    ("content", "mode", "problem"),
    [
        ("ab" * 32 + "\n", 0o644, "can be read by other users"),
        ("ab" * 32 + "\n", 0o640, "can be read by other users"),
        ("not a key\n", 0o600, "does not hold a key"),
        ("ab" * 16 + "\n", 0o600, "does not hold a key"),
    ],
)
def test_a_bad_key_file_is_refused(tmp_path: Path, content: str, mode: int, problem: str) -> None:
    (tmp_path / "keys").mkdir()
    path = tmp_path / "keys" / "log.key"
    path.write_text(content, encoding="ascii")
    os.chmod(path, mode)
    with pytest.raises(ConfigError, match=problem):
        KeyStore(tmp_path / "keys").load_or_create("log")


def test_a_configured_key_wins_and_a_made_one_is_announced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = KeyStore(tmp_path / "keys")
    configured = SecretStr("k" * 40)
    assert configured_or_stored(configured, store=store, name="log", setting="x") == b"k" * 40
    assert not (tmp_path / "keys").exists()
    with pytest.raises(ConfigError, match="too short"):
        configured_or_stored(SecretStr("short"), store=store, name="log", setting="x")
    with caplog.at_level(logging.WARNING, logger="beredskab.security.keys"):
        made = configured_or_stored(None, store=store, name="log", setting="[security] log_key")
        again = configured_or_stored(None, store=store, name="log", setting="[security] log_key")
    assert made == again
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "Back this file up" in warnings[0]
