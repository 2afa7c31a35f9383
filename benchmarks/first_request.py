"""G1 alone: activation request → first provider request, against a real ``serve``.

    .venv/bin/python -m benchmarks.first_request [--people 200,5000] [--db sqlite,postgresql]
        [--repeats 15] [--py-spy DIR]

The same setting as the whole harness (``benchmarks.size``): the shipped configuration, the
rate-enforcing stand-ins, ``beredskab serve`` as a child process, a synthetic directory of
``--people`` SSP members with phone, email and Telegram. Each round activates gruppe-1 through
``POST /api/v1/incidents`` (what a new user's integration does), takes the moment the request
left (``time.monotonic()``, one clock for every process of the machine), the moment the API
answered, and the moment the first provider request reached a stand-in; then stands the
incident down and waits until its messages are settled, so every round starts idle.

Prints, per size and database: median and p99 of the first request (any channel), of the
first SMS request (the issue's "done when": a 5,000-person activation's first SMS within 50 ms)
and of the API's answer (over the rounds after the first), the first round's first request
apart (the service's first activation since it started), and the load average before and
after. ``--py-spy DIR`` records ``serve`` during the rounds (``py-spy record --format raw``,
needs ``pip install py-spy``) for a profile of the path.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.dbview import DbView
from benchmarks.procs import Children, load_average, terminate_raises
from benchmarks.service import Setup, activate, launch_serve, wait_healthy


def _p(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


class Rounds:
    """Activate, time, stand down, settle; ``repeats`` times against one ``serve``."""

    def __init__(self, setup: Setup, control: str, token: str) -> None:
        self.setup, self.control, self.token = setup, control, token
        self.db = DbView(setup.database_url)

    async def __call__(self, repeats: int) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"}
        timeout = aiohttp.ClientTimeout(total=600)
        firsts: list[float] = []
        smses: list[float] = []
        answers: list[float] = []
        channels: list[str] = []
        cold = 0.0
        async with aiohttp.ClientSession(headers=headers, timeout=timeout) as self.http:
            try:
                await wait_healthy(self.http, self.setup.base_url)
                for n in range(repeats + 1):
                    first, sms, answer, channel = await self._round(n)
                    if not n:  # the service's first activation: shown apart
                        cold = first
                    else:
                        firsts.append(first)
                        smses.append(sms)
                        answers.append(answer)
                        channels.append(channel)
            finally:
                await self.db.dispose()
        return {
            "first_ms": [round(f, 1) for f in firsts],
            "answer_ms": [round(a, 1) for a in answers],
            "first_channel": sorted(set(channels)),
            "cold_first_ms": round(cold, 1),
            "first_p50_ms": round(_p(firsts, 50), 1),
            "first_p99_ms": round(_p(firsts, 99), 1),
            "sms_p50_ms": round(_p(smses, 50), 1),
            "sms_p99_ms": round(_p(smses, 99), 1),
            "answer_p50_ms": round(_p(answers, 50), 1),
            "answer_p99_ms": round(_p(answers, 99), 1),
        }

    async def _control(self, method: str, path: str) -> Any:
        async with self.http.request(method, f"{self.control}{path}") as response:
            return await response.json()

    async def _round(self, n: int) -> tuple[float, float, float, str]:
        await self._control("POST", "/reset")
        await asyncio.sleep(0.5)  # the previous round's last outcomes and signals settle
        start = time.monotonic()
        incident = await activate(self.http, self.setup.base_url, f"G1 round {n}")
        answered = time.monotonic()
        first = await self._control("GET", "/wait-first?timeout=120&channel=sms")
        if first["channel_first"] is None:
            raise RuntimeError("no SMS request within 120 s of the activation")
        async with self.http.post(
            f"{self.setup.base_url}/api/v1/incidents/{incident}/close", json={}
        ) as response:
            if response.status != 200:
                raise RuntimeError(f"close answered {response.status}: {await response.text()}")
        deadline = time.monotonic() + 1800
        while (await self.db.fan_out(incident, None)).open:
            if time.monotonic() > deadline:
                raise RuntimeError(f"incident {incident} still sending after 30 min")
            await asyncio.sleep(0.25)
        return (
            (float(first["first"]) - start) * 1000,
            (float(first["channel_first"]) - start) * 1000,
            (answered - start) * 1000,
            str(first["channel"]),
        )


def one(
    children: Children, people: int, db_url: str, repeats: int, spy: Path | None
) -> dict[str, Any]:
    """One size on one database: set up, serve, measure, stop."""
    root = Path(tempfile.mkdtemp(prefix=f"g1-{people}-"))
    try:
        service = launch_serve(children, root, people=people, db_url=db_url)
        recorder = None
        if spy is not None:
            spy.mkdir(parents=True, exist_ok=True)
            out = spy / f"serve-{'pg' if db_url else 'sqlite'}-{people}.txt"
            recorder = children.popen(
                [
                    str(Path(sys.executable).with_name("py-spy")),
                    *("record", "--format", "raw", "--rate", "500", "--nonblocking"),
                    *("--pid", str(service.serve.pid), "--output", str(out)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        try:
            result = asyncio.run(
                Rounds(service.setup, service.info["control_url"], service.token)(repeats)
            )
        finally:
            if recorder is not None:  # py-spy writes its file on SIGINT, not on SIGTERM
                recorder.send_signal(signal.SIGINT)
                recorder.wait(timeout=60)
            service.stop()
        return {"people": people, "db": "postgresql" if db_url else "sqlite", **result}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", default="200,5000")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--py-spy", type=Path, default=None, dest="spy")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args(argv)
    terminate_raises()  # SIGTERM too stops the children and removes the folders
    load_start = load_average()
    results = []
    with ExitStack() as stack:
        children = stack.enter_context(Children())
        for db in args.db.split(","):
            server = ""
            if db == "postgresql":
                from tests.postgres import cluster, create_database

                server = stack.enter_context(cluster(durable=True))
            for people in map(int, args.people.split(",")):
                url = ""
                if server:
                    create_database(server, f"g1_{people}")
                    url = f"{server}/g1_{people}"
                results.append(one(children, people, url, args.repeats, args.spy))
                r = results[-1]
                print(
                    f"{r['db']:<10} {people:>6} people: first request p50 {r['first_p50_ms']} "
                    f"ms, p99 {r['first_p99_ms']} ms; first SMS p50 {r['sms_p50_ms']} ms, "
                    f"p99 {r['sms_p99_ms']} ms; API answer p50 {r['answer_p50_ms']} ms, "
                    f"p99 {r['answer_p99_ms']} ms ({', '.join(r['first_channel'])} first); the "
                    f"service's first activation {r['cold_first_ms']} ms",
                    flush=True,
                )
    load_end = load_average()
    print(f"load average: {load_start} at the start, {load_end} at the end")
    if args.out is not None:
        meta = {"load_start": load_start, "load_end": load_end}
        args.out.write_text(json.dumps({"meta": meta, "runs": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
