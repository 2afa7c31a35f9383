"""The `beredskab` command line. Each command is a thin adapter over one use case."""

from __future__ import annotations

from beredskab.cli import (
    backup,
    chain,
    incident,
    keys,
    picture,
    pins,
    plan,
    preparedness,
    residents,
    service,
    stats,
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
    "tokens",
    "trail",
    "views",
    "work",
]


def main() -> None:
    """Entry point of the console script."""
    cli()
