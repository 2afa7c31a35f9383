"""The command line finds its config file (here, the user's, the system's), says which one it
uses on stderr, takes --config before or after the command, and refuses to make a database
out of nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from beredskab.cli import cli
from beredskab.runtime import config_discovery
from beredskab.runtime.config_discovery import ConfigSource, locate

CONFIG = '[service]\ndata_dir = "var"\nlanguage = "{language}"\n[console]\necho = false\n'


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder, home, user config folder and system folder; no BEREDSKAB_*
    settings in the environment."""
    for name in ("work", "home", "xdg", "etc"):
        (tmp_path / name).mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(config_discovery, "SYSTEM_DIR", tmp_path / "etc" / "beredskab")
    for name in list(os.environ):
        if name.startswith("BEREDSKAB_") and name != "BEREDSKAB_REQUIRE_POSTGRES":
            monkeypatch.delenv(name)
    return tmp_path


def _write(path: Path, language: str = "da") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CONFIG.format(language=language), encoding="utf-8")
    return path


def test_the_first_config_found_wins_here_then_user_then_system(
    place: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = place / "work" / "config.toml"
    user = place / "xdg" / "beredskab" / "config.toml"
    system = place / "etc" / "beredskab" / "config.toml"
    searched = (here, user, system)
    assert locate(None) == ConfigSource(None, "none", searched)
    for path in (system, user, here):  # each one found takes over from the one after it
        _write(path)
        assert locate(None) == ConfigSource(path, "found", searched)
    explicit = place / "other.toml"
    monkeypatch.setenv("BEREDSKAB_CONFIG", str(explicit))
    assert locate(None) == ConfigSource(explicit, "environment")
    assert locate(here) == ConfigSource(here, "option")  # --config beats the environment
    monkeypatch.delenv("XDG_CONFIG_HOME")  # the XDG default: ~/.config
    assert config_discovery.candidates()[1] == place / "home" / ".config/beredskab/config.toml"


def test_without_a_config_a_database_command_refuses_and_creates_nothing(place: Path) -> None:
    done = CliRunner().invoke(cli, ["status"])
    assert done.exit_code == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Fejl: ingen konfigurationsfil fundet (ledte efter ./config.toml")
    assert "angiv --config FIL eller opret ./config.toml" in lines[0]
    assert list((place / "work").iterdir()) == []
    english = CliRunner().invoke(cli, ["--lang", "en", "activate", "1", "--as", "maria-friis"])
    assert english.exit_code == 2
    assert "pass --config FILE or create ./config.toml" in english.stderr
    assert list((place / "work").iterdir()) == []


def test_without_a_config_plan_check_checks_the_bundled_plan_and_says_so(place: Path) -> None:
    done = CliRunner().invoke(cli, ["plan", "check"])
    assert done.exit_code == 0, done.output
    assert "planen er OK" in done.stdout and "OPDIGTET EKSEMPEL" in done.stdout
    assert done.stderr.startswith("ingen konfigurationsfil fundet: standardindstillinger")
    assert list((place / "work").iterdir()) == []


def test_a_found_config_is_named_on_stderr_and_stdout_stays_json(place: Path) -> None:
    user = _write(place / "xdg" / "beredskab" / "config.toml", language="en")
    done = CliRunner().invoke(cli, ["status", "--json"])
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == "[]"
    assert done.stderr == f"config: {user}\n"  # in the config's language
    assert (place / "xdg" / "beredskab" / "var" / "beredskab.sqlite3").exists()
    assert list((place / "work").iterdir()) == []
    _write(place / "work" / "config.toml")  # ./config.toml comes first
    here = CliRunner().invoke(cli, ["status"])
    assert here.exit_code == 0, here.output
    assert here.stdout == "Ingen hændelser.\n"
    assert here.stderr == f"konfiguration: {place / 'work' / 'config.toml'}\n"


@pytest.mark.parametrize("where", ["before", "after"])
def test_config_before_or_after_the_command_is_the_same_and_silent(place: Path, where: str) -> None:
    config = _write(place / "elsewhere" / "c.toml")
    command = ["plan", "check"]
    args = (
        ["-c", str(config), *command] if where == "before" else [*command, "--config", str(config)]
    )
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 0, done.output
    assert f"konfigurationen er OK: {config}" in done.stdout
    assert done.stderr == ""  # chosen, not found: nothing to say
    status = ["status", "-c", str(config)] if where == "after" else ["-c", str(config), "status"]
    listed = CliRunner().invoke(cli, status)
    assert listed.exit_code == 0, listed.output
    assert listed.stdout == "Ingen hændelser.\n"
    assert (place / "elsewhere" / "var" / "beredskab.sqlite3").exists()


def test_a_missing_config_file_named_after_the_command_is_an_error(place: Path) -> None:
    done = CliRunner().invoke(cli, ["status", "--config", str(place / "nope.toml")])
    assert done.exit_code == 2
    assert done.stderr.strip().endswith("findes ikke; kopiér config.example.toml")
    assert list((place / "work").iterdir()) == []


def test_the_environment_alone_may_name_the_database(
    place: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    """A container without a config file: BEREDSKAB_DATABASE__URL is a deliberate choice."""
    monkeypatch.setenv("BEREDSKAB_DATABASE__URL", db_url)
    monkeypatch.setenv("BEREDSKAB_SERVICE__DATA_DIR", str(place / "data"))
    done = CliRunner().invoke(cli, ["status", "--json"])
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == "[]"
    assert list((place / "work").iterdir()) == []
