"""The `beredskab` command line. Each command is a thin adapter over one use case."""

from __future__ import annotations

from beredskab.cli import (
    chain,
    incident,
    person,
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
    "chain",
    "cli",
    "incident",
    "main",
    "person",
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
