"""Every option and argument of every command says what it is for (`--help` shows it)."""

from __future__ import annotations

from typing import Any

import typer
from typer.testing import CliRunner

from beredskab.cli import cli


def _commands(command: Any, path: str) -> list[tuple[str, Any]]:
    """Every command under ``command`` with its path (typer's own click classes)."""
    found = [(path, command)]
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            found.extend(_commands(sub, f"{path} {name}"))
    return found


def test_every_option_and_argument_has_help_text() -> None:
    missing = [
        f"{path}: {param.name}"
        for path, command in _commands(typer.main.get_command(cli), "beredskab")
        for param in command.params
        if not getattr(param, "hidden", False) and not (getattr(param, "help", None) or "").strip()
    ]
    assert missing == []


def test_the_walk_sees_every_command_and_the_config_option_after_each() -> None:
    """The walk above covers the whole tree (it would pass on an empty one), and each leaf
    command takes --config after its name."""
    commands = _commands(typer.main.get_command(cli), "beredskab")
    names = {path for path, _ in commands}
    assert {"beredskab status", "beredskab plan check", "beredskab serve"} <= names
    leaves = [c for _, c in commands if not hasattr(c, "commands")]
    assert len(leaves) > 30
    for command in leaves:
        assert any("--config" in p.opts for p in command.params), command.name


def test_help_of_a_command_names_the_config_option() -> None:
    shown = CliRunner().invoke(cli, ["status", "--help"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "--config" in shown.output and "/etc/beredskab/config.toml" in shown.output
    top = CliRunner().invoke(cli, ["--help"], terminal_width=200)
    assert "--verbose" in top.output and "log more" in top.output
