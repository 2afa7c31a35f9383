"""The `beredskab` command line. Each command is a thin adapter over one use case."""

from __future__ import annotations

from beredskab.cli import (
    backup,
    chain,
    directory,
    doctor,
    incident,
    keys,
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
from beredskab.cli.common import cli

__all__ = [
    "backup",
    "chain",
    "cli",
    "directory",
    "doctor",
    "incident",
    "keys",
    "main",
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
    """Entry point of the console script."""
    cli()
