"""`beredskab keys show|rotate`: where each key comes from, rotating the link key, and the
refusals (the log key, an unknown key, a key file others can read)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from beredskab.boundary.keys import KeyStore, fingerprint
from beredskab.cli import cli


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    for name in list(os.environ):
        if name.startswith("BEREDSKAB_"):
            monkeypatch.delenv(name)
    config = tmp_path / "config.toml"
    config.write_text('[service]\ndata_dir = "var"\n[console]\necho = false\n', encoding="utf-8")
    return ["-c", str(config)]


def test_show_then_rotate_the_generated_link_key(tmp_path: Path, base: list[str]) -> None:
    runner = CliRunner()
    shown = runner.invoke(cli, [*base, "--lang", "en", "keys", "show"])
    assert shown.exit_code == 0, shown.output
    assert "link: not made yet" in shown.output and "log: not made yet" in shown.output
    assert not (tmp_path / "var" / "keys").exists()  # showing makes nothing

    store = KeyStore(tmp_path / "var" / "keys")
    first = store.load_or_create("link")
    rotated = runner.invoke(cli, [*base, "keys", "rotate", "link"])
    assert rotated.exit_code == 0, rotated.output
    now = store.load("link")
    assert now.secret != first.secret and [k.secret for k in now.previous] == [first.secret]
    assert f"fingeraftryk {fingerprint(now.secret)}" in rotated.output
    assert "forrige nøgle godtages til" in rotated.output
    assert first.secret.hex() not in rotated.output and now.secret.hex() not in rotated.output

    shown = runner.invoke(cli, [*base, "keys", "show"])
    assert f"link: genereret, i {now.path}" in shown.output
    assert fingerprint(now.secret) in shown.output and "forrige nøgle godtages" in shown.output

    emergency = runner.invoke(cli, [*base, "keys", "rotate", "link", "--retire-now"])
    assert emergency.exit_code == 0, emergency.output
    last = store.load("link")
    assert all(k.retires_at <= last.previous[0].retires_at for k in last.previous)
    assert {k.secret for k in last.previous} == {first.secret, now.secret}


def test_the_log_key_and_unknown_keys_are_not_rotated(tmp_path: Path, base: list[str]) -> None:
    runner = CliRunner()
    log = runner.invoke(cli, [*base, "keys", "rotate", "log"])
    assert log.exit_code == 1 and "Lognøglen skiftes ikke" in log.output
    other = runner.invoke(cli, [*base, "--lang", "en", "keys", "rotate", "pin"])
    assert other.exit_code == 1 and "Unknown key 'pin'" in other.output
    assert not (tmp_path / "var" / "keys").exists()


def test_a_configured_link_key_gets_the_steps_and_a_new_value(
    tmp_path: Path, base: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEREDSKAB_SECURITY__LINK_SECRET", "c" * 32)
    done = CliRunner().invoke(cli, [*base, "--lang", "en", "keys", "rotate", "link"])
    assert done.exit_code == 0, done.output
    assert "link_secret_previous = the current link_secret" in done.output
    assert "link_secret_previous_until" in done.output and "c" * 32 not in done.output
    assert not (tmp_path / "var" / "keys").exists()
    shown = CliRunner().invoke(cli, [*base, "--lang", "en", "keys", "show"])
    assert f"link: configured ([security] link_secret), fingerprint {fingerprint(b'c' * 32)}" in (
        shown.output
    )


def test_an_unusable_key_file_is_shown_and_refused(tmp_path: Path, base: list[str]) -> None:
    store = KeyStore(tmp_path / "var" / "keys")
    path = store.load_or_create("link").path
    os.chmod(path, 0o644)
    runner = CliRunner()
    shown = runner.invoke(cli, [*base, "--lang", "en", "keys", "show"])
    assert shown.exit_code == 1 and "link: unusable" in shown.output and "chmod 600" in shown.output
    rotated = runner.invoke(cli, [*base, "--lang", "en", "keys", "rotate", "link"])
    assert rotated.exit_code == 1 and "chmod 600" in rotated.output
    assert "Traceback" not in rotated.output
