"""One benchmark run: one directory size on one database, in a process of its own.

Started by ``python -m benchmarks`` (one process per size and database, so RSS is honest);
runs Prism, the stand-ins and ``beredskab serve`` as children that never outlive it, and
writes what it measured as JSON to ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks import inbound, profile
from benchmarks.dbview import DbView
from benchmarks.procs import (
    ROOT,
    Children,
    cpu_seconds,
    peak_rss_mb,
    rss_mb,
    terminate_raises,
)
from benchmarks.service import (
    Service,
    Setup,
    activate,
    launch_serve,
    settings_diff,
    shipped_value,
    wait_healthy,
)
from benchmarks.standins import Limits
from benchmarks.table import g3_met, g5_met

PLAN_LOAD = """
import sys, time
from pathlib import Path
start = time.perf_counter()
from beredskab.plan import load_plan
imported = time.perf_counter()
plan = load_plan(playbooks_dir=None, directory_file=Path(sys.argv[1]))
done = time.perf_counter()
print(done - imported, imported - start, len(plan.directory.people))
"""


def _median_wall(command: list[str], env: dict[str, str], cwd: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise RuntimeError(f"{command} failed: {done.stderr[-2000:]}")
    return statistics.median(times)


def _installed(setup: Setup) -> dict[str, str]:
    """The service's environment with its modules compiled to bytecode, as pip leaves an
    installed package (a checkout's process run with PYTHONDONTWRITEBYTECODE compiles every
    module of the project from source each time); the bytecode goes under the run's folder."""
    env = {k: v for k, v in setup.env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(setup.root / "pycache")
    return env


def cli_times(setup: Setup, runs: int) -> dict[str, float]:
    """G7: median wall time of `beredskab status` and `beredskab --help` (fresh processes,
    bytecode compiled as in an installed package; the first run, which compiles, apart)."""
    env = _installed(setup)
    status, help_ = setup.command("status"), setup.command("--help")
    first = _median_wall(status, env, setup.root, 1)  # compiles what it imports
    _median_wall(help_, env, setup.root, 1)
    return {
        "status_s": round(_median_wall(status, env, setup.root, runs), 3),
        "help_s": round(_median_wall(help_, env, setup.root, runs), 3),
        "status_first_s": round(first, 3),
    }


def _percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


class Run:
    """The measurements against a running service."""

    def __init__(
        self,
        service: Service,
        children: Children,
        people: int,
        limits: Limits,
        args: Any,
    ) -> None:
        self.setup, self.pid = service.setup, service.serve.pid
        self.control: str = service.info["control_url"]
        self.stand_ins, self.children = service.stand_ins.pid, children
        self.people, self.limits, self.args = people, limits, args
        self.db = DbView(self.setup.database_url)
        self.result: dict[str, Any] = {}
        self.answers: list[float] = []

    async def __call__(self, token: str) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        timeout = aiohttp.ClientTimeout(total=600)
        async with aiohttp.ClientSession(headers=headers, timeout=timeout) as http:
            self.http = http
            try:
                await wait_healthy(self.http, self.setup.base_url)
                self.result["rss_idle_mb"] = round(rss_mb(self.pid), 1)
                self.result["g7"] = await asyncio.to_thread(
                    cli_times, self.setup, self.args.cli_runs
                )
                firsts = [await self._g1_round(r) for r in range(self.args.repeats)]
                await self._idle()
                incident, first = await self._full_round()
                firsts.append(first)
                self.result["g1"] = {
                    "samples_ms": [round(f, 1) for f in firsts],
                    "p50_ms": round(_percentile(firsts, 50), 1),
                    "p99_ms": round(_percentile(firsts, 99), 1),
                    "answered_p50_ms": round(_percentile(self.answers, 50), 1),
                }
                self.result["g5"] = await self._inbound(incident)
                self.result["g7_busy"] = await asyncio.to_thread(  # right after the replies
                    cli_times, self.setup, self.args.cli_runs
                )
                self.result["g4"] = {"peak_rss_mb": round(peak_rss_mb(self.pid), 1)}
                g3_missed = not g3_met(self.result["g3"])
                g5_missed = not all(g5_met(g5) for g5 in self.result["g5"])
                if self.args.profile and (g3_missed or g5_missed):
                    await self._profile_pass(incident, replies=g5_missed)
            finally:
                await self.db.dispose()
        return self.result

    async def _profile_pass(self, incident: int, *, replies: bool) -> None:
        """After every measurement, for a missed G3 or G5: the same work again with py-spy
        on ``serve`` (which slows it: nothing here is a figure of the table). The open
        incident is stood down first, then a new activation's fan-out is recorded, then
        (``replies``) the replies to it."""
        print(f"  {self.people:,} people: profile pass (py-spy)", file=sys.stderr, flush=True)
        await self._close(incident)
        profiles = self.result.setdefault("profiles", {})
        spy = self._spy("g3")
        await asyncio.sleep(1.0)  # py-spy attaches (only its first samples are at stake)
        before = profile.snapshot(self.pid)
        incident = await activate(self.http, self.setup.base_url, "Benchmark: profile pass")
        await self._fanned_out(incident)
        profiles["g3"] = await self._profiled(spy, before)
        if replies:
            spy = self._spy("g5")
            await asyncio.sleep(1.0)
            before = profile.snapshot(self.pid)
            figures = await self._inbound(incident)
            profiles["g5"] = {**await self._profiled(spy, before), "figures": figures}

    async def _fanned_out(self, incident: int) -> None:
        """Until every person's alerts are queued and none is still open (the activation
        queues them in chunks: no open row alone does not mean all were queued)."""
        limit = time.monotonic() + max(3600.0, 3 * self.people / min(self._rates().values()))
        while True:
            fan = await self.db.fan_out(incident)
            if fan.total >= 3 * self.people and not fan.open:
                return
            if time.monotonic() > limit:
                raise RuntimeError(f"the profile pass's fan-out of incident {incident} hung")
            await asyncio.sleep(0.25)

    def _spy(self, phase: str) -> profile.Spy:
        spy = profile.Spy(self.children, self.pid, self.setup.root / f"stacks-{phase}.txt")
        spy.start()
        return spy

    async def _profiled(self, spy: profile.Spy, before: profile.Snapshot) -> dict[str, Any]:
        """A phase's profile (``benchmarks.profile``) from ``before`` until now."""
        after = profile.snapshot(self.pid)
        seconds = max(after.total - before.total, 1e-9) / (os.cpu_count() or 1)
        machine = profile.shares(before, after, seconds, serve=self.pid, stand_ins=self.stand_ins)
        return {"layers": await asyncio.to_thread(spy.stop), "machine": machine}

    async def _control(self, method: str, path: str) -> Any:
        async with self.http.request(method, f"{self.control}{path}") as response:
            return await response.json()

    async def _activate(self, description: str) -> tuple[int, float, float]:
        """Activate gruppe-1 through the JSON API: incident id, start (monotonic), first
        provider request at the stand-ins (monotonic)."""
        await self._control("POST", "/reset")
        start = time.monotonic()
        incident = await activate(self.http, self.setup.base_url, description)
        self.answered = time.monotonic()
        self.answers.append((self.answered - start) * 1000)
        first = await self._control("GET", "/wait-first?timeout=300")
        if first["first"] is None:
            raise RuntimeError("no provider request within 300 s of the activation")
        return incident, start, float(first["first"])

    async def _settled(self, incident: int, template: str | None) -> None:
        deadline = time.monotonic() + 1800
        while (await self.db.fan_out(incident, template)).open:
            if time.monotonic() > deadline:
                raise RuntimeError(f"incident {incident} still sending after 30 min")
            await asyncio.sleep(0.25)

    async def _g1_round(self, round_no: int) -> float:
        incident, start, first = await self._activate(f"Benchmark {round_no}")
        await self._close(incident)
        return (first - start) * 1000

    async def _close(self, incident: int) -> None:
        """Stand the incident down through the API and wait until its messages settled (the
        stand-down's too)."""
        async with self.http.post(
            f"{self.setup.base_url}/api/v1/incidents/{incident}/close", json={}
        ) as response:
            if response.status != 200:
                raise RuntimeError(f"close answered {response.status}: {await response.text()}")
        await self._settled(incident, None)

    async def _idle(self) -> None:
        seconds = self.args.idle_seconds
        await asyncio.sleep(1.0)  # let the last round's outcomes settle
        before, start = cpu_seconds(self.pid), time.monotonic()
        await asyncio.sleep(seconds)
        used, elapsed = cpu_seconds(self.pid) - before, time.monotonic() - start
        self.idle_rate = used / elapsed
        self.result["g3_idle"] = {"seconds": round(elapsed, 1), "cpu_percent": used / elapsed * 100}

    async def _full_round(self) -> tuple[int, float]:
        cpu_before = cpu_seconds(self.pid)
        wall_start = datetime.now(UTC)
        incident, start, first = await self._activate("Benchmark: the whole fan-out")
        minimum = 3 * self.people  # every synthetic person: SMS, email and Telegram
        history: list[tuple[float, int]] = []
        # the slowest channel alone (Telegram, 30/s) needs people / 30 s: allow 3x that
        limit = max(3600.0, 3 * self.people / min(self._rates().values()))
        shown = start
        while True:
            fan = await self.db.fan_out(incident)
            now = time.monotonic()
            history.append((now, fan.total))
            if fan.total >= minimum and not fan.open and fan.total == history[-2:][0][1]:
                break
            if now - start > limit:
                raise RuntimeError(f"the fan-out did not finish within {limit:.0f} s")
            if now - shown >= 60:  # a long fan-out (20,000 people: 11 min) shows it is alive
                shown = now
                print(
                    f"  {self.people:,} people, {now - start:.0f} s: {fan.total - fan.open:,} "
                    f"of {fan.total:,} sent or settled",
                    file=sys.stderr,
                    flush=True,
                )
            await asyncio.sleep(0.25 if now - start < 30 else 1.0)
        detected, cpu_after = time.monotonic(), cpu_seconds(self.pid)
        assert fan.last_update is not None
        completion = (fan.last_update - wall_start).total_seconds()
        finished = await self.db.queued_at(incident)
        queued = (finished - wall_start).total_seconds() if finished else self.answered - start
        sent = await self.db.sent_by(incident, fan.last_update)
        lat = self.limits.latency
        rates = self._rates()
        per_channel = {k: fan.by_channel.get(k, 0) / rate for k, rate in rates.items()}
        ideal = max(per_channel.values()) + lat
        done_by_channel = {
            k: (v - wall_start).total_seconds() for k, v in fan.last_by_channel.items()
        }
        cpu = cpu_after - cpu_before
        duration = detected - start
        net = cpu - self.idle_rate * duration
        self.result.update(
            messages=fan.total,
            by_channel=fan.by_channel,
            by_status=fan.by_status,
            g2={
                "completion_s": round(completion, 2),
                "ideal_s": round(ideal, 2),
                "ratio": round(completion / ideal, 3),
                "ideal_per_channel_s": {k: round(v + lat, 2) for k, v in per_channel.items()},
                "completion_per_channel_s": {k: round(v, 2) for k, v in done_by_channel.items()},
                "ratio_per_channel": {
                    k: round(v / (per_channel[k] + lat), 3)
                    for k, v in done_by_channel.items()
                    if k in per_channel
                },
                "slowest": max(done_by_channel, key=lambda k: done_by_channel[k]),
                "bottleneck": max(per_channel, key=lambda k: per_channel[k]),
                "rates": rates,
            },
            g3={
                "fanout_cpu_s": round(cpu, 2),
                "window_s": round(duration, 1),
                "idle_cpu_s": round(self.idle_rate * duration, 2),
                "messages_sent": sent,
                "ms_per_message": round(net / sent * 1000, 3),
                "gross_ms_per_message": round(cpu / sent * 1000, 3),
            },
            g6_activation={
                "response_ms": round((self.answered - start) * 1000, 1),
                "all_queued_s": round(queued, 2),
                "ms_per_person": round(queued * 1000 / self.people, 3),
            },
        )
        return incident, (first - start) * 1000

    def _rates(self) -> dict[str, float]:
        """Each channel's rate as the stand-ins enforce it: the PROVIDER's limit, whatever
        the service is configured to use (email: the relay's connection limit, one message
        per connection at a time, each taking the latency)."""
        limits = self.limits
        email = limits.smtp_connections / limits.latency if limits.latency else float("inf")
        return {
            "sms": limits.twilio_service_rate,
            "telegram": limits.telegram_rate,
            "email": min(limits.smtp_rate or float("inf"), email),
        }

    async def _inbound(self, incident: int) -> list[dict[str, Any]]:
        return await inbound.measure(
            self.http,
            self.db,
            self._control,
            base=self.setup.base_url,
            people=self.people,
            cap=self.args.inbound_max,
            incident=incident,
            pid=self.pid,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, required=True)
    parser.add_argument("--db-url", default="", help="PostgreSQL URL; empty: SQLite")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--cli-runs", type=int, default=5)
    parser.add_argument("--inbound-max", type=int, default=1000, help="replies per G5 run")
    parser.add_argument("--limits", default="{}", help="JSON of benchmarks.standins.Limits")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    args = parser.parse_args()
    terminate_raises()
    limits = Limits(**json.loads(args.limits))
    extra = dict(item.split("=", 1) for item in args.set)
    result: dict[str, Any] = {
        "people": args.people,
        "db": "postgresql" if args.db_url else "sqlite",
        "limits": limits.__dict__,
    }
    with Children() as children:
        root = Path(tempfile.mkdtemp(prefix=f"bench-{args.people}-"))
        children.on_close(lambda: __import__("shutil").rmtree(root, ignore_errors=True))

        def plan_load(service: Service) -> None:
            load_s, _imports, _ = subprocess.run(
                [sys.executable, "-c", PLAN_LOAD, str(service.directory)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            result["g6_plan_load_s"] = round(float(load_s), 3)
            result["settings_diff"] = settings_diff(service.setup)
            result["shipped_smtp_connections"] = shipped_value("smtp.connections")

        service = launch_serve(
            children,
            root,
            people=args.people,
            db_url=args.db_url,
            limits=limits,
            extra=extra,
            before_serve=plan_load,
        )
        run = Run(service, children, args.people, limits, args)
        try:
            result.update(asyncio.run(run(service.token)))
        finally:
            result["serve_exit"], result["standins"] = service.stop()
    args.out.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
