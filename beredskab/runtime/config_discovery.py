"""Which config file a command uses, and whether the settings can run on this machine.

``locate`` finds the file: ``--config``, else ``$BEREDSKAB_CONFIG``, else the first that
exists of ``./config.toml``, ``$XDG_CONFIG_HOME/beredskab/config.toml`` (default
``~/.config/beredskab/config.toml``) and ``/etc/beredskab/config.toml``. ``driver_problems``
names a database driver the URL needs and this installation lacks, with the command that
installs it; ``plain`` turns a configuration or driver failure that escaped as another
library's exception into the one line an operator reads.

Light on purpose: the command line imports it before it knows which command runs.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from beredskab.errors import ConfigError

CONFIG_ENV = "BEREDSKAB_CONFIG"
FILE_NAME = "config.toml"
SYSTEM_DIR = Path("/etc/beredskab")
STORAGE_ENV = ("BEREDSKAB_DATABASE__URL", "BEREDSKAB_SERVICE__DATA_DIR")
"""Environment variables that say where the data lives: with one set, a command that needs
the database runs on the environment alone, without a config file (a container)."""

How = Literal["option", "environment", "found", "none"]

DRIVERS: dict[str, str] = {"asyncpg": "asyncpg>=0.29", "aiosqlite": "aiosqlite>=0.20"}
"""The database drivers beredskab uses → what to install (pyproject.toml: the postgres extra
installs asyncpg; aiosqlite is always installed)."""


@dataclass(frozen=True, slots=True)
class ConfigSource:
    """The config file a command reads (``path``), how it was chosen, and where it looked."""

    path: Path | None
    how: How
    searched: tuple[Path, ...] = ()

    @property
    def storage_from_environment(self) -> bool:
        """True when no file was found but the environment names the database or data folder."""
        return self.how == "none" and _names_storage(os.environ)


def candidates(*, cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> list[Path]:
    """Where a config file is looked for, in order: here, the user's, the system's."""
    env = os.environ if environ is None else environ
    here = (cwd or Path.cwd()) / FILE_NAME
    xdg = env.get("XDG_CONFIG_HOME", "")
    user_base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".config"
    return [here, user_base / "beredskab" / FILE_NAME, SYSTEM_DIR / FILE_NAME]


def locate(
    option: Path | None, *, cwd: Path | None = None, environ: Mapping[str, str] | None = None
) -> ConfigSource:
    """The config file to read: ``--config``, ``$BEREDSKAB_CONFIG``, else the first of
    ``candidates`` that exists (``how="none"`` when there is none)."""
    env = os.environ if environ is None else environ
    if option is not None:
        return ConfigSource(option, "option")
    if env.get(CONFIG_ENV):
        return ConfigSource(Path(env[CONFIG_ENV]), "environment")
    searched = candidates(cwd=cwd, environ=env)
    for path in searched:
        if path.is_file():
            return ConfigSource(path, "found", tuple(searched))
    return ConfigSource(None, "none", tuple(searched))


def _names_storage(environ: Mapping[str, str]) -> bool:
    return any(environ.get(name) for name in STORAGE_ENV)


def missing(source: ConfigSource) -> ConfigError:
    """The refusal of a command that needs the database when no config file was found."""
    return ConfigError(
        "no config file found (looked for {searched}); pass --config FILE or create "
        "./config.toml (copy config.example.toml)",
        searched=", ".join(_short(p) for p in source.searched),
    )


def example_with_live_providers(source: str) -> ConfigError:
    """The fictional example directory with a provider that reaches real people (refused by
    `serve`, every command that sends, and `plan check`)."""
    return ConfigError(
        "{source} is the fictional example directory; it cannot be used "
        "with live SMS, email or Telegram providers. Set [plan] directory_file to the real "
        "contact list (kept outside git).",
        source=source,
    )


def _short(path: Path) -> str:
    """``path`` with the home folder as ``~`` and the current folder as ``.``."""
    for base, shown in ((Path.cwd(), "."), (Path.home(), "~")):
        if path.is_relative_to(base):
            return f"{shown}/{path.relative_to(base)}"
    return str(path)


def driver_problems(url: str) -> list[ConfigError]:
    """What keeps ``url`` (a SQLAlchemy URL) from opening on this installation: a dialect
    without our async driver, or a driver that is not installed."""
    scheme = url.split(":", 1)[0].lower()
    dialect, _, driver = scheme.partition("+")
    wanted = {"postgresql": "asyncpg", "postgres": "asyncpg", "sqlite": "aiosqlite"}.get(dialect)
    if wanted is None:
        return [
            ConfigError(
                "[database] url: {dialect} is not supported; use postgresql+asyncpg://… "
                "or leave url empty for SQLite",
                dialect=dialect or url,
            )
        ]
    if driver != wanted or dialect == "postgres":
        return [
            ConfigError(
                "[database] url must start with {prefix}:// (the driver beredskab uses), "
                "not {scheme}://",
                prefix=f"{'postgresql' if wanted == 'asyncpg' else 'sqlite'}+{wanted}",
                scheme=scheme,
            )
        ]
    if importlib.util.find_spec(wanted) is None:
        return [not_installed(wanted)]
    return []


def not_installed(driver: str) -> ConfigError:
    """A database driver the configured URL needs is not installed in this Python."""
    return ConfigError(
        "[database] url needs the {driver} driver, which is not installed; "
        "install it with: {python} -m pip install '{requirement}'",
        driver=driver,
        python=sys.executable,
        requirement=DRIVERS.get(driver, driver),
    )


def plain(exc: BaseException) -> ConfigError | None:
    """A configuration or driver failure raised by another library as the ``ConfigError``
    to show instead of its traceback; None for anything else."""
    if isinstance(exc, ConfigError):
        return exc
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] in DRIVERS:
        return not_installed((exc.name or "").split(".")[0])
    from notifier.errors import ChannelConfigError

    if isinstance(exc, ChannelConfigError):
        return ConfigError("channel settings: {problem}", problem=exc)
    return None
