"""G4 alone: the resident memory of ``beredskab serve`` at one directory size, over time.

Sets the service up as ``benchmarks.size`` does (the shipped config, the stand-ins, a
synthetic directory whose people all have SMS, email and a linked Telegram chat), starts
``serve``, and samples ``/proc/<pid>/status`` (VmRSS, VmHWM) every 0.25 s: once healthy
(idle), then through one activation of gruppe-1 via the JSON API for ``--watch`` seconds or
until every alert has settled. Prints one JSON object: the idle RSS, the peak (VmHWM), when
the peak was reached and the RSS at each phase. Much shorter than a size run, since it skips
G1, G3, G5 and G7::

    python -m benchmarks.memory --people 20000 --watch 120
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.dbview import DbView
from benchmarks.procs import Children, load_average, peak_rss_mb, rss_mb, terminate_raises
from benchmarks.service import Setup, activate, launch_serve, wait_healthy


class Sampler:
    """RSS of one process, sampled in the background."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.start = time.monotonic()
        self.samples: list[tuple[float, float]] = []
        self.marks: dict[str, tuple[float, float, float]] = {}

    def sample(self) -> float:
        rss = rss_mb(self.pid)
        self.samples.append((time.monotonic() - self.start, rss))
        return rss

    def mark(self, name: str) -> None:
        """Remember (seconds since start, RSS, peak RSS) under ``name``."""
        self.marks[name] = (
            round(time.monotonic() - self.start, 2),
            round(self.sample(), 1),
            round(peak_rss_mb(self.pid), 1),
        )

    async def run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(0.25)


async def _measure(setup: Setup, pid: int, token: str, people: int, watch: float) -> dict[str, Any]:
    sampler = Sampler(pid)
    sampling = asyncio.create_task(sampler.run())
    headers = {"Authorization": f"Bearer {token}"}
    db = DbView(setup.database_url)
    try:
        async with aiohttp.ClientSession(headers=headers) as http:
            await wait_healthy(http, setup.base_url, 180)
            sampler.mark("healthy")
            await asyncio.sleep(5)
            sampler.mark("idle")
            incident = await activate(http, setup.base_url, "Memory benchmark")
            sampler.mark("activated")
            started = time.monotonic()
            queued = False
            while time.monotonic() - started < watch:
                fan = await db.fan_out(incident)
                if not queued and fan.total >= 3 * people:
                    queued = True
                    sampler.mark("all_queued")
                if queued and not fan.open:
                    sampler.mark("all_settled")
                    break
                await asyncio.sleep(1.0)
            sampler.mark("watched")
            fan = await db.fan_out(incident)
            async with http.post(
                f"{setup.base_url}/api/v1/incidents/{incident}/close", json={}
            ) as response:
                await response.read()
            await asyncio.sleep(3)
            sampler.mark("closed")
    finally:
        sampling.cancel()
        await db.dispose()
    peak_at = max(sampler.samples, key=lambda s: s[1])
    return {
        "marks": {
            k: {"s": v[0], "rss_mb": v[1], "peak_mb": v[2]} for k, v in sampler.marks.items()
        },
        "peak_rss_mb": sampler.marks["closed"][2],
        "highest_sample": {"s": round(peak_at[0], 2), "rss_mb": round(peak_at[1], 1)},
        "alerts": {"by_status": fan.by_status, "by_channel": fan.by_channel},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, required=True)
    parser.add_argument("--db-url", default="", help="PostgreSQL URL; empty: SQLite")
    parser.add_argument("--watch", type=float, default=120.0, help="seconds after activation")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    args = parser.parse_args()
    terminate_raises()
    result: dict[str, Any] = {
        "people": args.people,
        "db": "postgresql" if args.db_url else "sqlite",
        "load_before": load_average(),
    }
    with Children() as children:
        root = Path(tempfile.mkdtemp(prefix=f"bench-mem-{args.people}-"))
        children.on_close(lambda: __import__("shutil").rmtree(root, ignore_errors=True))
        service = launch_serve(
            children,
            root,
            people=args.people,
            db_url=args.db_url,
            extra=dict(item.split("=", 1) for item in args.set),
        )
        try:
            result.update(
                asyncio.run(
                    _measure(
                        service.setup, service.serve.pid, service.token, args.people, args.watch
                    )
                )
            )
        finally:
            service.stop()
    result["load_after"] = load_average()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
