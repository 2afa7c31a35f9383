"""Key files: made once with owner-only permissions, shared by every process, never half-written."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from beredskab.boundary import keyring, keys
from beredskab.boundary.keys import KeyStore, configured_or_stored
from beredskab.errors import ConfigError
from beredskab.settings import DatabaseSettings, SecuritySettings, ServiceSettings, Settings


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
        "import sys; from pathlib import Path; from beredskab.boundary.keys import KeyStore; "
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
    with caplog.at_level(logging.WARNING, logger="beredskab.boundary.keys"):
        made = configured_or_stored(None, store=store, name="log", setting="[security] log_key")
        again = configured_or_stored(None, store=store, name="log", setting="[security] log_key")
    assert made == again
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "Back this file up" in warnings[0]


NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def test_a_rotation_keeps_the_old_key_until_it_retires(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    old = store.load_or_create("link")
    new = store.rotate("link", keep=timedelta(hours=24), now=NOW)
    assert new.secret != old.secret
    loaded = store.load("link")
    assert loaded.secret == new.secret
    assert loaded.previous == (keys.PreviousKey(old.secret, NOW + timedelta(hours=24)),)
    assert stat.S_IMODE(loaded.path.stat().st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == [".link.lock", "link.key"]
    ring = loaded.ring
    assert ring.accepted(NOW) == [new.secret, old.secret]
    assert ring.accepted(NOW + timedelta(hours=24)) == [new.secret]
    assert [k.secret for k in ring.retired(NOW + timedelta(hours=24))] == [old.secret]


def test_an_emergency_rotation_retires_every_earlier_key(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    first = store.load_or_create("link")
    second = store.rotate("link", keep=timedelta(hours=24), now=NOW)
    third = store.rotate("link", keep=timedelta(0), now=NOW, retire_all=True)
    ring = store.load("link").ring
    assert ring.current == third.secret
    assert ring.accepted(NOW) == [third.secret]
    assert {k.secret for k in ring.retired(NOW)} == {first.secret, second.secret}


def test_long_retired_keys_are_forgotten_and_the_file_stays_bounded(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    store.load_or_create("link")
    for n in range(keys.MAX_PREVIOUS + 3):
        store.rotate("link", keep=timedelta(hours=1), now=NOW + timedelta(hours=n))
    assert len(store.load("link").previous) == keys.MAX_PREVIOUS
    later = NOW + keys.FORGET_AFTER + timedelta(days=1)
    store.rotate("link", keep=timedelta(hours=1), now=later)
    assert len(store.load("link").previous) == 1


@pytest.mark.parametrize(
    "second_line",
    [
        "cd" * 32,
        "cd" * 32 + " not-a-time",
        "cd" * 31 + " 2026-12-02T01:00:00+00:00",
        "cd" * 32 + " 2026-12-02T01:00:00",
    ],
)
def test_a_bad_previous_key_line_is_refused(tmp_path: Path, second_line: str) -> None:
    (tmp_path / "keys").mkdir()
    path = tmp_path / "keys" / "link.key"
    path.write_text("ab" * 32 + "\n" + second_line + "\n", encoding="ascii")
    os.chmod(path, 0o600)
    with pytest.raises(ConfigError, match="does not hold a key"):
        KeyStore(tmp_path / "keys").load("link")


def test_a_key_file_follows_a_rotation_by_another_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = KeyStore(tmp_path / "keys")
    source = keyring.KeyFile(store, "link", setting="[security] link_secret")
    before = source()
    ticks = iter([1000.0, 1000.0 + keyring.RELOAD_SECONDS])
    monkeypatch.setattr(keyring.time, "monotonic", lambda: next(ticks))
    source._checked = 1000.0 - keyring.RELOAD_SECONDS  # due for a look at the first call
    rotated = store.rotate("link", keep=timedelta(hours=24), now=NOW)
    after = source()
    assert after.current == rotated.secret and after.previous[0].secret == before.current
    assert source() is after  # unchanged file: the same keyring


def test_a_broken_rotation_keeps_the_keys_in_use(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = KeyStore(tmp_path / "keys")
    source = keyring.KeyFile(store, "link", setting="x")
    before = source()
    path = store.path("link")
    path.write_text("garbage\n", encoding="ascii")
    source._checked -= keyring.RELOAD_SECONDS
    with caplog.at_level(logging.WARNING, logger="beredskab.boundary.keyring"):
        assert source() is before
    assert "could not be re-read" in caplog.text


def _settings(tmp_path: Path, **security: object) -> Settings:
    return Settings(
        service=ServiceSettings(data_dir=tmp_path), security=SecuritySettings(**security)
    )


def test_describe_keys_says_where_each_key_comes_from_and_creates_nothing(tmp_path: Path) -> None:
    found = {k.name: k for k in keys.describe_keys(_settings(tmp_path))}
    assert {n: k.state for n, k in found.items()} == {"link": "missing", "log": "missing"}
    assert found["log"].path == tmp_path / "keys" / "log.key"
    assert not (tmp_path / "keys").exists()
    made = KeyStore(tmp_path / "keys").load_or_create("log")
    configured = _settings(tmp_path, link_secret=SecretStr("s" * 32))
    found = {k.name: k for k in keys.describe_keys(configured)}
    assert (found["link"].state, found["link"].path) == ("configured", None)
    assert found["link"].fingerprint == keys.fingerprint(b"s" * 32)
    assert found["log"].state == "generated"
    assert found["log"].fingerprint == keys.fingerprint(made.secret)
    assert "s" * 32 not in repr(found) and made.secret.hex() not in repr(found)
    os.chmod(made.path, 0o644)
    [log_key] = [k for k in keys.describe_keys(configured) if k.name == "log"]
    assert log_key.state == "invalid" and "chmod 600" in (log_key.problem or "")


def test_a_configured_previous_link_secret_needs_its_retire_time(tmp_path: Path) -> None:
    until = NOW + timedelta(hours=24)
    ring = keyring.link_keyring(
        SecuritySettings(
            link_secret=SecretStr("n" * 32),
            link_secret_previous=SecretStr("o" * 32),
            link_secret_previous_until=until,
        ),
        data_dir=tmp_path,
    )()
    assert ring.current == b"n" * 32 and ring.previous == (keys.PreviousKey(b"o" * 32, until),)
    with pytest.raises(ConfigError, match="link_secret_previous_until"):
        keyring.link_keyring(
            SecuritySettings(
                link_secret=SecretStr("n" * 32), link_secret_previous=SecretStr("o" * 32)
            ),
            data_dir=tmp_path,
        )
    with pytest.raises(ConfigError, match="set both, or neither"):
        keyring.link_keyring(
            SecuritySettings(link_secret_previous=SecretStr("o" * 32)), data_dir=tmp_path
        )
    assert not (tmp_path / "keys").exists()


def test_keys_another_host_would_not_have_are_named_on_postgresql(tmp_path: Path) -> None:
    assert keys.unshared_keys(_settings(tmp_path)) == []  # SQLite: one host by nature
    postgres = _settings(tmp_path, log_key=SecretStr("l" * 32)).model_copy(
        update={"database": DatabaseSettings(url="postgresql+asyncpg://b@127.0.0.1:1/b")}
    )
    assert [(k.name, k.state) for k in keys.unshared_keys(postgres)] == [("link", "missing")]
    KeyStore(tmp_path / "keys").load_or_create("link")
    assert [(k.name, k.state) for k in keys.unshared_keys(postgres)] == [("link", "generated")]
