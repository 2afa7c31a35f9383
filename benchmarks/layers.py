"""Where ``serve``'s CPU goes during one activation's fan-out (G3), split by layer.

    .venv/bin/python -m benchmarks.layers --people 5000 [--db postgresql] [--native]

Sets the service up as ``benchmarks.size`` does (the shipped config, the rate-enforcing
stand-ins, every person with SMS, email and a linked Telegram chat), lets it idle, then
activates gruppe-1 through the JSON API with ``py-spy`` recording ``serve`` (all threads,
CPU samples only) until every alert has settled. ``--native`` adds C frames, so SQLite's
own code is told apart from the Python that calls it, but pauses ``serve`` at each sample,
which inflates its CPU. Prints the CPU per message, the kernel's share of it (system time),
and each layer's share of the samples:
the layer of a sample is that of its innermost frame that belongs to a known layer (the
service's own code, SQLAlchemy, the database driver and its thread hand-offs, SQLite's
engine, the HTTP client, the SMTP client and TLS, the web server, the event loop), and the
stand-ins' refusals. Needs ``pip install py-spy``.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.dbview import DbView
from benchmarks.procs import (
    Children,
    cpu_seconds,
    load_average,
    system_seconds,
    terminate_raises,
)
from benchmarks.service import activate, database_url, launch_serve, wait_healthy

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("sqlite engine (C)", ("libsqlite3", "sqlite3Vdbe", "sqlite3Btree", "sqlite3_", "_sqlite3")),
    ("asyncpg", ("asyncpg/", "asyncpg.protocol")),
    ("aiosqlite hand-offs", ("aiosqlite/", "threading.py", "queue.py")),
    ("sqlalchemy", ("sqlalchemy/",)),
    ("tls", ("ssl.py", "libssl", "libcrypto")),
    ("smtp client", ("aiosmtplib/", "email/")),
    ("http client", ("aiohttp/", "yarl/", "multidict/")),
    ("web server", ("uvicorn/", "h11/", "starlette/", "fastapi/", "jinja2/")),
    ("twilio/aiogram/pydantic", ("twilio/", "aiogram/", "pydantic")),
    ("service", ("beredskab/", "notifier/")),
    ("event loop", ("asyncio/", "selectors.py", "epoll", "socket.py")),
]
"""Innermost match wins; the order only breaks ties within one frame."""
COMPONENTS = [
    ("outbox", "beredskab/delivery/outbox/"),
    ("activation", "beredskab/incident/activation"),
    ("api/web", "beredskab/web/"),
    ("inbound", "beredskab/inbound/"),
    ("fan-out", "beredskab/incident/"),
]


WAITING = "off CPU (runnable, waiting for a core)"
"""py-spy counts a thread that is runnable as busy: on a loaded machine an event loop woken
from ``epoll`` waits there for a core (and a sample between frames has none)."""
SQLITE = "sqlite (C: engine and sqlite3 module)"
IDLE = "idle (a driver thread waiting for a statement)"


def _worker_line(code: str) -> str:
    """``core.py:N)``: the line of aiosqlite's worker thread that holds ``code``."""
    import aiosqlite.core

    source = inspect.getsource(aiosqlite.core).splitlines()
    line = next((i for i, text in enumerate(source, 1) if code in text), 0)
    return f"core.py:{line})"


_CALL = _worker_line("result = function()")
_TAKE = _worker_line("tx.get()")
"""The worker blocked on its queue, waiting for the next statement: idle, though py-spy
(which sees a thread in a C call, not that the call sleeps) records it as active."""


def layer_of(frames: list[str]) -> str:
    """The layer of the innermost frame (last in ``frames``) that has one. aiosqlite's worker
    thread as the innermost Python frame is running the C call it was handed (SQLite), or,
    at its queue, waiting for one (idle)."""
    leaf = frames[-1]
    if "EpollSelector.select" in leaf or leaf.startswith("thread ("):
        return WAITING
    if leaf.startswith("_connection_worker_thread (aiosqlite/") and leaf.endswith(_TAKE):
        return IDLE
    if leaf.startswith("_connection_worker_thread (aiosqlite/") and leaf.endswith(_CALL):
        return SQLITE
    if leaf.startswith("_run (beredskab/storage/inloop.py:"):
        return SQLITE  # sqlite3's execute, fetch and close (C), on the loop's thread
    for frame in reversed(frames):
        for name, marks in LAYERS:
            if any(mark in frame for mark in marks):
                return name
    return "other"


def split(collapsed: Path) -> dict[str, Any]:
    """Shares of py-spy's collapsed stacks (``a;b;c count`` lines) per layer and component."""
    layers: Counter[str] = Counter()
    components: Counter[str] = Counter()
    total = idle = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        layer = layer_of(stack.split(";"))
        if layer == IDLE:
            idle += n
            continue
        total += n
        layers[layer] += n
        component = next((c for c, mark in COMPONENTS if mark in stack), "other")
        components[component] += n
    busy = total - layers[WAITING]

    def share(counts: Counter[str], of: int) -> dict[str, float]:
        return {k: round(100 * v / max(of, 1), 1) for k, v in counts.most_common()}

    return {
        "samples": total,
        "idle_driver_samples": idle,  # left out of every share
        "waiting_pct": round(100 * layers.pop(WAITING, 0) / max(total, 1), 1),
        "layer_pct_of_busy": share(layers, busy),
        "component_pct": share(components, total),
    }


async def _fan_out(base_url: str, token: str, database_url: str, people: int) -> int:
    """Activate gruppe-1 and wait until every alert settled; returns the messages sent."""
    db = DbView(database_url)
    try:
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
            incident = await activate(http, base_url, "Layer profile")
            deadline = time.monotonic() + 3600
            while True:
                fan = await db.fan_out(incident, None)
                if fan.total >= 3 * people and not fan.open:
                    return fan.total
                if time.monotonic() > deadline:
                    raise RuntimeError("the fan-out did not settle within an hour")
                await asyncio.sleep(0.5)
    finally:
        await db.dispose()


async def _healthy(base_url: str) -> None:
    async with aiohttp.ClientSession() as http:
        await wait_healthy(http, base_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--native", action="store_true", help="py-spy --native (C frames)")
    parser.add_argument("--out", type=Path, default=None, help="keep py-spy's stacks here")
    args = parser.parse_args()
    terminate_raises()
    result: dict[str, Any] = {
        "people": args.people,
        "db": args.db,
        "load_before": load_average(),
    }
    with ExitStack() as stack:
        children = stack.enter_context(Children())
        db_url = database_url(stack, args.db, "layers")
        root = Path(tempfile.mkdtemp(prefix=f"bench-layers-{args.people}-"))
        children.on_close(lambda: shutil.rmtree(root, ignore_errors=True))
        service = launch_serve(children, root, people=args.people, db_url=db_url)
        try:
            asyncio.run(_healthy(service.setup.base_url))
            time.sleep(5)  # settle after start
            stacks = args.out or root / "stacks.txt"
            command = [str(Path(sys.executable).with_name("py-spy")), "record", "--format"]
            command += ["raw", "--rate", "200", "--threads"]
            command += ["--native"] if args.native else ["--nonblocking"]  # native: pauses
            command += ["--pid", str(service.serve.pid), "--output", str(stacks)]
            spy = children.popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
            cpu, began = cpu_seconds(service.serve.pid), time.monotonic()
            kernel = system_seconds(service.serve.pid)
            messages = asyncio.run(
                _fan_out(
                    service.setup.base_url,
                    service.token,
                    service.setup.database_url,
                    args.people,
                )
            )
            cpu, took = cpu_seconds(service.serve.pid) - cpu, time.monotonic() - began
            kernel = system_seconds(service.serve.pid) - kernel
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            spy.wait(timeout=120)
        finally:
            _code, counts = service.stop()
        keys = ("refused", "refused_at_handler", "tightest_at_handler_s", "handler_lag_ms")
        result["standins"] = {k: counts.get(k) for k in keys}
        result.update(
            messages=messages,
            seconds=round(took, 1),
            cpu_s=round(cpu, 2),
            cpu_ms_per_message=round(1000 * cpu / messages, 3),
            kernel_pct_of_cpu=round(100 * kernel / cpu, 1),
            **split(stacks),
        )
    result["load_after"] = load_average()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
