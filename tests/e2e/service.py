"""A real `beredskab serve` subprocess for end-to-end tests, configured for the test peers.

The service runs in its own process; the peers (Twilio, SMTP, Telegram) run in the test's
event loop, so everything that waits on the service polls from that loop
(``wait_for``) and CLI calls run in a thread (``Service.acli``).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

from beredskab import report
from beredskab.boundary.keys import KeyStore
from beredskab.cli.views import overview_json
from beredskab.models import Delivery
from beredskab.storage import Database
from tests.peers.smtp import PASSWORD, USERNAME, SmtpPeer
from tests.peers.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from tests.processes import track

LINK_SECRET = "e2e-link-secret-0123456789abcdef"

Health = dict[str, Any]


@dataclass
class Service:
    """A running `beredskab serve` and how to reach it."""

    root: Path
    config: Path
    base_url: str
    process: subprocess.Popen[str]
    env: dict[str, str]

    def cli(self, *args: str, stdin: str | None = None, expect: int = 0) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "beredskab", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.root,
            input=stdin,
            timeout=60,
        )
        assert done.returncode == expect, (args, done.stdout, done.stderr)
        return done.stdout

    async def acli(self, *args: str, stdin: str | None = None, expect: int = 0) -> str:
        """The CLI in a thread: the peers in this event loop must keep serving meanwhile."""
        return await asyncio.to_thread(self.cli, *args, stdin=stdin, expect=expect)

    def database(self) -> Database:
        """The service's own database (SQLite), with the service's log key; dispose it."""
        key = KeyStore(self.root / "var" / "keys").load_or_create("log").secret  # the chain's
        return Database(
            f"sqlite+aiosqlite:///{self.root / 'var' / 'beredskab.sqlite3'}", log_key=key
        )

    async def status(self, nr: int) -> dict[str, Any]:
        """What `status NR --json` prints, read from the service's database in this process
        (a CLI process per poll costs a second of CPU that the service under test needs)."""
        db = self.database()
        try:
            return overview_json(await report.overview(db=db, incident_id=nr))
        finally:
            await db.dispose()

    async def deliveries(self, nr: int) -> list[Delivery]:
        """Every outbox row of an incident, with its texts."""
        db = self.database()
        try:
            async with db.transaction() as tx:
                return await tx.deliveries.for_incident(nr)
        finally:
            await db.dispose()

    async def cli_status(self, nr: int) -> dict[str, Any]:
        """`status NR --json` through the command line."""
        result: dict[str, Any] = json.loads(await self.acli("status", str(nr), "--json"))
        return result

    async def sms(self, client: httpx.AsyncClient, sender: str, body: str, sid: str) -> None:
        """An inbound SMS, as Twilio posts it (signed)."""
        params = {
            "MessageSid": sid,
            "From": sender,
            "To": FROM_NUMBER,
            "Body": body,
            "AccountSid": ACCOUNT_SID,
        }
        url = f"{self.base_url}/webhooks/twilio/sms"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
        response = await client.post(url, data=params, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 200, response.text

    async def stop(self) -> None:
        """SIGTERM, and the service must exit cleanly (code 0)."""
        self.process.terminate()  # the peers live in this loop: wait for the exit in a thread
        try:
            output, _ = await asyncio.to_thread(self.process.communicate, timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            output, _ = await asyncio.to_thread(self.process.communicate)
        assert self.process.returncode == 0, output

    async def kill(self) -> str:
        """SIGKILL: no handler runs, nothing is flushed; returns what it had printed."""
        self.process.send_signal(signal.SIGKILL)
        output, _ = await asyncio.to_thread(self.process.communicate, timeout=20)
        assert self.process.returncode == -signal.SIGKILL, output
        return output


def components_ok(health: Health, *names: str) -> bool:
    """True when each named component is on /healthz and ``ok``."""
    components = health.get("components", {})
    return all(components.get(name, {}).get("state") == "ok" for name in names)


def directory(root: Path) -> Path:
    """The fictional example directory, unmarked as example (live providers refuse it)."""
    text = (files("contacts") / "examples" / "fredericia.toml").read_text(encoding="utf-8")
    path = root / "kontakter.toml"
    path.write_text(
        re.sub(r"^example = true", "example = false", text, flags=re.MULTILINE), encoding="utf-8"
    )
    return path


def write_config(
    root: Path,
    *,
    port: int,
    twilio_url: str,
    smtp: SmtpPeer,
    telegram_url: str | None = None,
    playbooks_dir: Path | None = None,
    outbox: str = "",
    twilio: str = "",
    extra: str = "",
) -> Path:
    """config.toml for the peers: Twilio at ``twilio_url``, SMTP with STARTTLS + AUTH, the
    Telegram Bot API at ``telegram_url`` (None: no bot), the playbooks in ``playbooks_dir``
    (None: bundled). ``outbox`` and ``twilio`` are more
    lines for those sections, ``extra`` more sections."""
    telegram = f'[telegram]\napi_base_url = "{telegram_url}"\n' if telegram_url else ""
    playbooks = f'playbooks_dir = "{playbooks_dir}"\n' if playbooks_dir else ""
    config = root / "config.toml"
    config.write_text(
        f"""
[service]
data_dir = "var"
public_base_url = "http://127.0.0.1:{port}"
[plan]
directory_file = "{directory(root)}"
{playbooks}[web]
port = {port}
[outbox]
poll_seconds = 0.1
{outbox}[twilio]
account_sid = "{ACCOUNT_SID}"
from_number = "{FROM_NUMBER}"
rate_per_second = 50
api_base_url = "{twilio_url}"
{twilio}[smtp]
host = "127.0.0.1"
port = {smtp.port}
username = "{USERNAME}"
from_address = "beredskab@example.org"
ca_file = "{smtp.write_ca(root)}"
{telegram}{extra}""",
        encoding="utf-8",
    )
    return config


READY = "beredskab ready:"
"""How `serve`'s startup line begins under ``--lang en``."""


async def until_ready(argv: list[str], root: Path, env: dict[str, str]) -> tuple[str, str]:
    """Run ``argv`` (a `serve`), wait for its startup line, stop it with SIGTERM (it must exit
    0); the line and what it printed after it."""
    process = subprocess.Popen(  # noqa: ASYNC220 (returns at once; read in a thread below)
        argv, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    seen: list[str] = []
    try:
        async with asyncio.timeout(120):
            while not seen or not seen[-1].startswith(READY):
                line = await asyncio.to_thread(process.stdout.readline)
                assert line, f"serve ended before it was ready: {''.join(seen)}"
                seen.append(line)
    finally:
        process.terminate()
        output, _ = await asyncio.to_thread(process.communicate, timeout=60)
    assert process.returncode == 0, "".join(seen) + output
    return seen[-1].rstrip("\n"), output


def service_env(*, bot_token: str | None = None) -> dict[str, str]:
    """The environment: this one without BEREDSKAB_* settings, plus the peers' secrets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEREDSKAB_")}
    env.update(
        BEREDSKAB_TWILIO__AUTH_TOKEN=AUTH_TOKEN,
        BEREDSKAB_SMTP__PASSWORD=PASSWORD,
        BEREDSKAB_SECURITY__LINK_SECRET=LINK_SECRET,
    )
    if bot_token is not None:
        env["BEREDSKAB_TELEGRAM__BOT_TOKEN"] = bot_token
    return env


def service_port(config: Path) -> int:
    """The web port written into a config by ``write_config``."""
    found = re.search(r"^port = (\d+)$", config.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert found is not None, config
    return int(found.group(1))


async def start_service(
    root: Path, config: Path, env: dict[str, str], *, ready: Callable[[Health], bool]
) -> Service:
    """Start `beredskab serve` and wait until ``/healthz`` answers 200 and ``ready`` holds."""
    base_url = f"http://127.0.0.1:{service_port(config)}"
    process = subprocess.Popen(  # noqa: ASYNC220 (Popen returns at once; we poll it below)
        [sys.executable, "-m", "beredskab", "--config", str(config), "serve"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    service = Service(root, config, base_url, track(process), env)
    async with httpx.AsyncClient() as client:

        async def healthy() -> bool:
            assert process.poll() is None, process.communicate()[0]
            try:
                health = await client.get(f"{base_url}/healthz")
            except httpx.TransportError:
                return False
            return health.status_code == 200 and ready(health.json())

        try:
            await wait_for(healthy, within=60.0)
        except AssertionError:
            if process.poll() is None:
                process.kill()
            await asyncio.to_thread(process.communicate)  # reap it and close its pipe
            raise
    return service


async def wait_for(condition: Callable[[], Awaitable[bool] | bool], within: float = 30.0) -> None:
    """Poll state owned by another process (the service) until it holds."""
    deadline = asyncio.get_running_loop().time() + within
    for _ in range(100_000):
        result = condition()
        if await result if inspect.isawaitable(result) else result:
            return
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.1)
