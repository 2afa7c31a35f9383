"""Shared pieces of the runtime fault tests: a restartable PostgreSQL cluster per test, a real
`beredskab serve` on a synthetic directory, and the counts that show nothing was lost.

The service sends SMS (and voice) to the recording Twilio stand-in, which keeps every message
so "exactly once" can be counted, and email and Telegram to the console channel's JSON-lines
file, where each line carries the delivery key.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
import pytest

from beredskab.incident import activation, fanout
from beredskab.models import Delivery
from beredskab.plan import Plan, load_plan
from beredskab.storage import Database
from notifier.types import ChannelKind, DeliveryStatus
from tests.e2e.service import wait_for
from tests.peers.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from tests.peers.twilio_recording import RecordingTwilio
from tests.postgres import (
    REQUIRE_ENV,
    Cluster,
    create_database,
    find_bindir,
    free_port,
    running_cluster,
)
from tests.processes import track

ACTIVATOR = "kim-holm"
"""The police contact of the example directory, who may activate gruppe-2."""
FINAL = {DeliveryStatus.SENT, DeliveryStatus.DELIVERED}


@pytest.fixture
def pg_cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of this test's own, which it may stop and restart."""
    if find_bindir() is None:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{REQUIRE_ENV} is set but PostgreSQL binaries were not found")
        pytest.skip(f"PostgreSQL binaries not installed (set {REQUIRE_ENV}=1 to fail instead)")
    with running_cluster() as pg:
        yield pg


def pg_database(pg: Cluster) -> str:
    """A fresh database in ``pg``; its URL."""
    create_database(pg.url, "faults")
    return f"{pg.url}/faults"


def synthetic_directory(root: Path, people: int) -> Path:
    """The example directory (unmarked as example) plus ``people`` SSP members with SMS and
    email, all participants of gruppe-2."""
    text = (files("contacts") / "examples" / "fredericia.toml").read_text(encoding="utf-8")
    text = re.sub(r"^example = true", "example = false", text, flags=re.MULTILINE)
    extra = "".join(
        f'\n[[people]]\nid = "fault-{i}"\nname = "Fiktiv Person {i}"\nroles = ["ssp"]\n'
        f'phone = "+45209{i:05d}"\nemail = "fault-{i}@example.org"\n'
        for i in range(people)
    )
    path = root / "kontakter.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


@dataclass
class FaultService:
    """A running `beredskab serve` and what the test needs to look at it."""

    root: Path
    database_url: str
    base_url: str
    process: subprocess.Popen[str]
    plan: Plan
    output: list[str] = field(default_factory=list)

    @property
    def console_file(self) -> Path:
        """Where the console channel writes (email and Telegram here)."""
        return self.root / "var" / "outbox.jsonl"

    def console_keys(self) -> Counter[str]:
        """How often each delivery key was written to the console file."""
        if not self.console_file.exists():
            return Counter()
        lines = self.console_file.read_text(encoding="utf-8").splitlines()
        return Counter(json.loads(line)["key"] for line in lines if line.strip())

    async def health(self, client: httpx.AsyncClient) -> tuple[int, dict[str, Any]] | None:
        """(status, body) of /healthz, or None when nothing answers."""
        try:
            response = await client.get(f"{self.base_url}/healthz", timeout=10)
        except httpx.TransportError:
            return None
        return response.status_code, response.json()

    async def terminate(self) -> float:
        """SIGTERM; seconds until the process had exited (it must exit 0)."""
        began = time.monotonic()
        self.process.terminate()
        try:
            out, _ = await asyncio.to_thread(self.process.communicate, timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = await asyncio.to_thread(self.process.communicate)
            raise AssertionError("serve did not exit within 120 s of SIGTERM") from None
        self.output.append(out)
        return time.monotonic() - began


def write_config(
    root: Path,
    *,
    database_url: str,
    directory: Path,
    twilio: RecordingTwilio | None,
    database: str = "",
    service: str = "",
    extra: str = "",
) -> Path:
    """config.toml: this database, the directory, SMS/voice at the recording Twilio (paced at
    40/s so a fan-out lasts long enough to be hit), everything else on the console channel;
    ``service`` and ``database`` are more lines for those sections, ``extra`` more sections."""
    port = free_port()
    sms = (
        f'[twilio]\naccount_sid = "{ACCOUNT_SID}"\nfrom_number = "{FROM_NUMBER}"\n'
        f'rate_per_second = 40\napi_base_url = "{twilio.base_url}"\n'
        if twilio is not None
        else ""
    )
    config = root / "config.toml"
    config.write_text(
        f"""
[service]
data_dir = "var"
public_base_url = "http://127.0.0.1:{port}"
{service}[database]
url = "{database_url}"
{database}[plan]
directory_file = "{directory}"
[console]
echo = false
[web]
port = {port}
[outbox]
poll_seconds = 0.1
lease_seconds = 5
batch_size = 10
{sms}{extra}""",
        encoding="utf-8",
    )
    return config


async def launch(root: Path, config: Path, database_url: str, plan: Plan) -> FaultService:
    """Start `beredskab serve` (not waiting for anything)."""
    text = await asyncio.to_thread(config.read_text, encoding="utf-8")
    port = re.search(r"^port = (\d+)$", text, flags=re.MULTILINE)
    assert port is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEREDSKAB_")}
    env["BEREDSKAB_TWILIO__AUTH_TOKEN"] = AUTH_TOKEN
    process = subprocess.Popen(  # noqa: ASYNC220 (returns at once; polled by the caller)
        [sys.executable, "-m", "beredskab", "--config", str(config), "serve"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return FaultService(
        root, database_url, f"http://127.0.0.1:{port.group(1)}", track(process), plan
    )


def all_ok(health: dict[str, Any]) -> bool:
    """Every component of a full `serve` is listed and ok."""
    components = health["components"]
    return {"outbox", "inbox", "timers"} <= set(components) and all(
        c["state"] == "ok" for c in components.values()
    )


async def start(root: Path, config: Path, database_url: str, plan: Plan) -> FaultService:
    """Start `beredskab serve` and wait until /healthz is 200 with every component ok."""
    service = await launch(root, config, database_url, plan)
    process = service.process
    async with httpx.AsyncClient() as client:

        async def ready() -> bool:
            assert process.poll() is None, process.communicate()[0]
            answer = await service.health(client)
            return answer is not None and answer[0] == 200 and all_ok(answer[1])

        try:
            await wait_for(ready, within=60)
        except AssertionError:
            if process.poll() is None:
                process.kill()
            await asyncio.to_thread(process.communicate)  # reap it and close its pipe
            raise
    return service


def plan_for(directory: Path) -> Plan:
    """The bundled playbooks with this directory."""
    return load_plan(playbooks_dir=None, directory_file=directory)


async def activate(db: Database, plan: Plan) -> int:
    """Activate gruppe-2 and queue every participant (what ``serve``'s fan-out runner or
    the CLI would do after the first chunk); the incident number."""
    result = await activation.activate(
        db=db,
        plan=plan,
        playbook="gruppe-2",
        actor_id=ACTIVATOR,
        channel="cli",
        police_case="3700-1",
    )
    await fanout.complete(db, plan)
    return result.incident.id


async def deliveries(db: Database, incident_id: int) -> list[Delivery]:
    """Every delivery row of the incident (a read: never queues behind the writers)."""
    async with db.read() as tx:
        return await tx.deliveries.for_incident(incident_id)


async def settled(db: Database, incident_id: int) -> bool:
    """True once no delivery of the incident is queued or being sent."""
    try:
        rows = await deliveries(db, incident_id)
    except Exception:  # the database is still coming back
        return False
    return bool(rows) and all(d.status in FINAL or d.status is DeliveryStatus.FAILED for d in rows)


@dataclass(frozen=True)
class Tally:
    """What reached people, per delivery row."""

    rows: int
    sms_rows: int
    console_rows: int
    lost: int
    duplicated: int
    failed: int

    def line(self) -> str:
        """For the printed figures."""
        return (
            f"rows={self.rows} sms={self.sms_rows} console={self.console_rows} "
            f"lost={self.lost} dup={self.duplicated} failed={self.failed}"
        )


def tally(rows: list[Delivery], service: FaultService, twilio: RecordingTwilio | None) -> Tally:
    """Compare the rows with what the peers received: SMS rows against the Twilio messages
    (by SID, one message each), the rest against the console file (by delivery key)."""
    failed = sum(d.status is DeliveryStatus.FAILED for d in rows)
    twilio_kinds = {ChannelKind.SMS, ChannelKind.VOICE} if twilio is not None else set()
    sms = [d for d in rows if d.channel in twilio_kinds]
    console = [d for d in rows if d.channel not in twilio_kinds]
    lost = dup = 0
    if twilio is not None:
        sids = Counter(m.sid for m in twilio.messages) + Counter(c.sid for c in twilio.calls)
        lost += sum(1 for d in sms if sids.get(d.provider_id or "", 0) == 0)
        per_content = Counter((m.to, m.body) for m in twilio.messages)
        dup += sum(n - 1 for n in per_content.values() if n > 1)
    keys = service.console_keys()
    lost += sum(1 for d in console if keys.get(f"delivery-{d.id}", 0) == 0)
    dup += sum(keys.get(f"delivery-{d.id}", 0) - 1 for d in console if keys.get(f"delivery-{d.id}"))
    return Tally(len(rows), len(sms), len(console), lost, dup, failed)
