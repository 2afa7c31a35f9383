"""The service under test: the SHIPPED configuration, pointed at the stand-ins.

``config.example.toml`` is copied as it is; only environment overrides
(``BEREDSKAB_<SECTION>__<KEY>``) point the providers at the stand-ins, the database at the
test server and the plan at the synthetic directory. ``settings_diff`` loads both through
``beredskab.settings`` and lists every setting that differs, so the printout proves what was
changed and nothing else.

``launch_serve`` starts the whole setting for one size on one database — the stand-ins, the
synthetic directory, the schema, the linked Telegram chats, an API token and ``beredskab
serve`` — as children of a ``procs.Children``, so an interrupt (Ctrl-C, SIGTERM with
``procs.terminate_raises``) stops every one of them; ``Service.stop`` ends it in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks import standins
from benchmarks.dbview import DbView
from benchmarks.procs import ROOT, Children
from benchmarks.standins import Limits
from tests.peers.smtp import PASSWORD, USERNAME
from tests.peers.twilio import ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID
from tests.postgres import free_port

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


def run_cli(setup: Setup, *args: str) -> str:
    """``beredskab ARGS`` against the service's config; its output (raises on failure)."""
    done = subprocess.run(
        setup.command(*args), env=setup.env, cwd=setup.root, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"beredskab {' '.join(args)} failed: {done.stderr[-3000:]}")
    return done.stdout


@dataclass
class Service:
    """A running ``beredskab serve`` with its stand-ins, set up by ``launch_serve``."""

    children: Children
    setup: Setup
    directory: Path
    stand_ins: subprocess.Popen[str]
    info: dict[str, Any]
    """Where the stand-ins listen (``control_url``, ``twilio_url``, …)."""
    token: str
    """An API token of ``CHIEF``."""
    serve: subprocess.Popen[bytes] = field(init=False)

    @property
    def log(self) -> Path:
        return self.setup.root / "serve.log"

    def start(self) -> None:
        """Start ``serve`` (its output in ``serve.log``)."""
        self.serve = self.children.popen(
            self.setup.command("serve"),
            env=self.setup.env,
            cwd=self.setup.root,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> tuple[int | None, dict[str, Any]]:
        """Stop ``serve`` (saying so if it had exited early) and then the stand-ins; returns
        serve's exit code and the stand-ins' counts."""
        if self.serve.poll() is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            print(f"the service exited early ({self.serve.returncode}):\n{tail}", file=sys.stderr)
        code = self.children.stop(self.serve)
        assert self.stand_ins.stdin is not None and self.stand_ins.stdout is not None
        self.stand_ins.stdin.close()
        counts: dict[str, Any] = json.loads(self.stand_ins.stdout.readline() or "{}")
        self.stand_ins.wait(timeout=30)
        return code, counts


def launch_serve(
    children: Children,
    root: Path,
    *,
    people: int,
    db_url: str = "",
    limits: Limits | None = None,
    extra: dict[str, str] | None = None,
    before_serve: Callable[[Service], None] | None = None,
) -> Service:
    """Set up and start ``serve`` for ``people`` synthetic SSP members on ``db_url`` (empty:
    SQLite in ``root``): the stand-ins with ``limits``, the shipped config with the
    overrides (plus ``extra``), the schema, every person's Telegram chat linked, a token.
    ``before_serve`` runs on the machine while nothing else is (a plan-load measurement)."""
    limits = limits or Limits()
    stand_ins, info = standins.launch(children, root, limits.__dict__)
    directory = synthetic_directory(people, root)
    port = free_port()
    overrides = overrides_for(
        port=port,
        database_url=db_url or None,
        directory=directory,
        stand_ins=info,
        sms_rate=limits.twilio_service_rate,
        extra=extra or {},
    )
    setup = prepare(root, port=port, database_url=db_url or None, overrides=overrides)
    run_cli(setup, "db", "upgrade")
    view = DbView(setup.database_url)

    async def link() -> None:
        try:
            await view.link_telegram(people, datetime.now(UTC))
        finally:
            await view.dispose()

    asyncio.run(link())
    token = run_cli(setup, "token", "create", "benchmark", "--as", CHIEF).strip().splitlines()[-1]
    service = Service(children, setup, directory, stand_ins, info, token)
    if before_serve is not None:
        before_serve(service)
    service.start()
    return service


async def wait_healthy(http: aiohttp.ClientSession, base_url: str, seconds: float = 120) -> None:
    """Until ``serve`` answers ``/healthz`` with 200 (an error after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            async with http.get(f"{base_url}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the service did not become healthy in {seconds:g} s")
        await asyncio.sleep(0.2)


async def activate(http: aiohttp.ClientSession, base_url: str, description: str) -> int:
    """Activate gruppe-1 through the JSON API (``http`` carries the token); the incident id."""
    async with http.post(
        f"{base_url}/api/v1/incidents", json={"playbook": "gruppe-1", "description": description}
    ) as response:
        body = await response.json()
        if response.status != 201:
            raise RuntimeError(f"activation answered {response.status}: {body}")
    return int(body["incident"]["id"])


def database_url(stack: ExitStack, db: str, name: str) -> str:
    """``""`` (SQLite in the service's folder) or a fresh database ``name`` on a throwaway
    PostgreSQL cluster that lives as long as ``stack``."""
    if db != "postgresql":
        return ""
    from tests.postgres import cluster, create_database

    server = stack.enter_context(cluster(durable=True))
    create_database(server, name)
    return f"{server}/{name}"
