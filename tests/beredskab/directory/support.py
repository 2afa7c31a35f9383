"""Helpers for the directory tests: the example directory as an import would read it."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import tomli

from beredskab.settings import ConsoleSettings, DatabaseSettings, ServiceSettings, Settings

LEADER = "karen-hald"
"""The secretariat leader of the example directory."""
STAFF = "amira-hassan"
CHIEF = "maria-friis"
"""The only holder of projektchef: a playbook role that needs her."""


def example_text() -> str:
    """The bundled fictional directory as TOML text."""
    return resources.files("contacts").joinpath("examples", "fredericia.toml").read_text("utf-8")


def example() -> dict[str, Any]:
    """The bundled fictional directory as parsed data (a fresh copy each time)."""
    return tomli.loads(example_text())


def settings_on(tmp_path: Path, db_url: str) -> Settings:
    """Console-only settings on this database."""
    return Settings(
        service=ServiceSettings(data_dir=tmp_path),
        database=DatabaseSettings(url=db_url),
        console=ConsoleSettings(echo=False),
    )
