"""The `beredskab` command line. Each command is a thin adapter over one use case."""

from __future__ import annotations

import typer

from beredskab.cli import (
    backup,
    chain,
    comms,
    directory,
    doctor,
    incident,
    keys,
    person,
    picture,
    pins,
    plan,
    preparedness,
    residents,
    service,
    stats,
    test_message,
    tokens,
    trail,
    views,
    work,
)
from beredskab.cli.common import cli, fail_config

__all__ = [
    "backup",
    "chain",
    "cli",
    "comms",
    "directory",
    "doctor",
    "incident",
    "keys",
    "main",
    "person",
    "picture",
    "pins",
    "plan",
    "preparedness",
    "residents",
    "service",
    "stats",
    "test_message",
    "tokens",
    "trail",
    "views",
    "work",
]


def main() -> None:
    """Entry point of the console script: a configuration or driver problem that escaped a
    command (another library's exception) is one line and exit 2, never a traceback."""
    try:
        cli()
    except Exception as exc:
        from beredskab.runtime.config_discovery import plain

        problem = plain(exc)
        if problem is None:
            raise
        try:
            fail_config(problem)
        except typer.Exit as done:
            raise SystemExit(done.exit_code) from None
