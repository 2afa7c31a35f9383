"""The service under test: the SHIPPED configuration, pointed at the stand-ins.

``config.example.toml`` is copied as it is; only environment overrides
(``BEREDSKAB_<SECTION>__<KEY>``) point the providers at the stand-ins, the database at the
test server and the plan at the synthetic directory. ``settings_diff`` loads both through
``beredskab.settings`` and lists every setting that differs, so the printout proves what was
changed and nothing else.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from benchmarks.procs import ROOT
from tests.peers.smtp import PASSWORD, USERNAME
from tests.peers.twilio import ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID

EXAMPLE = ROOT / "config.example.toml"
CHIEF = "maria-friis"
"""Who activates (the example directory's chief)."""


def synthetic_directory(people: int, folder: Path) -> Path:
    """The bundled example plus ``people`` fictional SSP members with phone and email."""
    text = (files("contacts") / "examples" / "fredericia.toml").read_text(encoding="utf-8")
    text = re.sub(r"^example = true", "example = false", text, flags=re.MULTILINE)
    extra = [
        f'\n[[people]]\nid = "bench-{i}"\nname = "Fiktiv Person {i}"\nroles = ["ssp"]\n'
        f'phone = "{phone(i)}"\nemail = "{email(i)}"\n'
        for i in range(people)
    ]
    path = folder / f"bench-{people}.toml"
    path.write_text(text + "".join(extra), encoding="utf-8")
    return path


def phone(i: int) -> str:
    """Synthetic person ``i``'s phone (E.164)."""
    return f"+45203{i:05d}"


def email(i: int) -> str:
    """Synthetic person ``i``'s email address."""
    return f"bench-{i}@example.org"


def chat_id(i: int) -> int:
    """Synthetic person ``i``'s Telegram chat (and user) id."""
    return 10_000 + i


@dataclass(frozen=True)
class Setup:
    """Where the service lives and how it is reached."""

    root: Path
    config: Path
    env: dict[str, str]
    overrides: dict[str, str]
    port: int
    database_url: str

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self, *args: str) -> list[str]:
        """``beredskab --config … ARGS`` as a user runs it (the console script)."""
        script = Path(sys.executable).with_name("beredskab")
        start = [str(script)] if script.exists() else [sys.executable, "-m", "beredskab"]
        return [*start, "--config", str(self.config), *args]


def overrides_for(
    *,
    port: int,
    database_url: str | None,
    directory: Path,
    stand_ins: dict[str, Any],
    sms_rate: float,
    extra: dict[str, str],
) -> dict[str, str]:
    """The settings the benchmark changes: where things are, plus ``extra`` (``--set``)."""
    values = {
        "service.public_base_url": f"http://127.0.0.1:{port}",
        "web.port": str(port),
        "plan.directory_file": str(directory),
        "twilio.account_sid": ACCOUNT_SID,
        "twilio.auth_token": AUTH_TOKEN,
        "twilio.messaging_service_sid": SERVICE_SID,
        "twilio.rate_per_second": str(sms_rate),
        "twilio.api_base_url": stand_ins["twilio_url"],
        "smtp.host": "127.0.0.1",
        "smtp.port": str(stand_ins["smtp_port"]),
        "smtp.username": USERNAME,
        "smtp.password": PASSWORD,
        "smtp.from_address": "beredskab@example.org",
        "smtp.ca_file": stand_ins["ca_file"],
        "telegram.bot_token": stand_ins["telegram_token"],
        "telegram.api_base_url": stand_ins["telegram_url"],
    }
    if database_url:
        values["database.url"] = database_url
    values.update(extra)
    return values


def environment(overrides: dict[str, str]) -> dict[str, str]:
    """This process's environment without BEREDSKAB_* settings, plus the overrides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEREDSKAB_")}
    for key, value in overrides.items():
        section, name = key.split(".", 1)
        env[f"BEREDSKAB_{section.upper()}__{name.upper()}"] = value
    return env


def prepare(root: Path, *, port: int, database_url: str | None, overrides: dict[str, str]) -> Setup:
    """Copy the shipped config into ``root`` and build the service's environment."""
    config = root / "config.toml"
    shutil.copyfile(EXAMPLE, config)
    url = database_url or f"sqlite+aiosqlite:///{root / 'var' / 'beredskab.sqlite3'}"
    return Setup(root, config, environment(overrides), overrides, port, url)


@contextlib.contextmanager
def _environ(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _flat(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flat(f"{prefix}.{key}" if prefix else key, inner)
    else:
        yield prefix, value


def settings_diff(setup: Setup) -> list[tuple[str, str, str]]:
    """(setting, shipped value, benchmark value) for every setting that differs."""
    from beredskab.settings import load_settings

    with _environ(environment({})):
        shipped = dict(_flat("", load_settings(EXAMPLE).model_dump(mode="json")))
    with _environ(setup.env):
        bench = dict(_flat("", load_settings(setup.config).model_dump(mode="json")))
    secret = {k for k in setup.overrides if k.endswith(("token", "password", "secret"))}
    return [
        (key, str(shipped.get(key)), "(secret)" if key in secret else str(bench.get(key)))
        for key in sorted(set(shipped) | set(bench))
        if shipped.get(key) != bench.get(key)
    ]


def shipped_value(key: str) -> Any:
    """One setting of the shipped configuration (``section.key``)."""
    from beredskab.settings import load_settings

    with _environ(environment({})):
        return dict(_flat("", load_settings(EXAMPLE).model_dump(mode="json")))[key]
