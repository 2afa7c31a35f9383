"""A resident message to N subscribers, against a real ``serve`` (README: Residents).

    .venv/bin/python -m benchmarks.residents [--subscribers 20000] [--db sqlite,postgresql]

The setting of ``benchmarks.first_request``: the shipped configuration, the rate-enforcing
stand-ins (Twilio's messaging service at 100 SMS/s, with latency), ``beredskab serve`` as a
child process. ``--subscribers`` fictional residents subscribe to zone 2 (Danish, Arabic and
Somali in turn) before the service starts. Through the JSON API the chief opens an incident
in zone 2 (its alerts are let settle), a staff member drafts a resident message, the chief
approves it and staff send it. Measured:

- approval → first SMS: from the approve request leaving to the first provider request the
  stand-ins saw after it (``time.monotonic()``, one clock for every process);
- completion ÷ ideal: from the approve request to the last resident SMS recorded sent
  (``deliveries.updated_at``), over the ideal N ÷ the messaging service's rate;
- CPU of ``serve`` per message: its CPU seconds (all threads) from the approval to the
  completion, over N (load distorts it less than the wall clock).

``--profile DIR`` records ``serve`` with ``py-spy`` over the same span (CPU samples, all
threads; needs ``pip install py-spy``), keeps its stacks in ``DIR/<db>.txt`` and prints the
per-layer split of ``benchmarks.layers`` and the top leaf frames.

Prints both per database with the load average before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.first_request import Rounds
from benchmarks.layers import split
from benchmarks.procs import Children, cpu_seconds, load_average
from benchmarks.service import Service, database_url, launch_serve, run_cli, wait_healthy
from benchmarks.standins import Limits

STAFF = "amira-hassan"
TEMPLATE = "resident_information"


def resident_phone(i: int) -> str:
    """Fictional resident ``i``'s number (Danish, outside the synthetic directory's)."""
    return f"+4529{i:06d}"


async def subscribe(url: str, count: int) -> None:
    """``count`` residents of zone 2 subscribed by SMS (before the service starts)."""
    from beredskab.residents import subscriptions
    from beredskab.storage import Database

    db = Database(url)
    try:
        for start in range(0, count, 2000):
            async with db.transaction() as tx:
                for i in range(start, min(count, start + 2000)):
                    await subscriptions.subscribe(
                        tx,
                        phone=resident_phone(i),
                        zone=2,
                        language=("da", "ar", "so")[i % 3],
                        channel=subscriptions.SMS,
                    )
    finally:
        await db.dispose()


class Watch:
    """``serve``'s CPU seconds, and optionally a ``py-spy`` record, over the measured span."""

    def __init__(self, children: Children, pid: int, stacks: Path | None) -> None:
        self.children, self.pid, self.stacks = children, pid, stacks
        self.cpu_s = 0.0
        self._spy: subprocess.Popen[Any] | None = None

    def begin(self) -> None:
        """Start the record (it attaches within a second) and the CPU count."""
        if self.stacks is not None:
            command = [str(Path(sys.executable).with_name("py-spy")), "record", "--format"]
            command += ["raw", "--rate", "200", "--threads", "--nonblocking"]
            command += ["--pid", str(self.pid), "--output", str(self.stacks)]
            self._spy = self.children.popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(1)
        self.cpu_s = -cpu_seconds(self.pid)

    def end(self) -> None:
        """Stop the CPU count and the record (py-spy writes its file on SIGINT)."""
        self.cpu_s += cpu_seconds(self.pid)
        if self._spy is not None:
            self._spy.send_signal(signal.SIGINT)
            self._spy.wait(timeout=120)


def top_leaves(stacks: Path, count: int = 15) -> list[tuple[str, float]]:
    """The innermost frames with the largest shares of py-spy's samples (percent)."""
    leaves: Counter[str] = Counter()
    total = 0
    for line in stacks.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if stack and n.isdigit():
            leaves[stack.split(";")[-1]] += int(n)
            total += int(n)
    return [(leaf, round(100 * n / max(total, 1), 1)) for leaf, n in leaves.most_common(count)]


class Send(Rounds):
    """One incident, one resident message, timed."""

    watch: Watch | None = None

    async def measure(self, subscribers: int, rate: float, staff: str) -> dict[str, Any]:
        chief = {"Authorization": f"Bearer {self.token}"}
        helper = {"Authorization": f"Bearer {staff}"}
        timeout = aiohttp.ClientTimeout(total=600)
        async with aiohttp.ClientSession(timeout=timeout) as self.http:
            try:
                await wait_healthy(self.http, self.setup.base_url)
                return await self._send(subscribers, rate, chief, helper)
            finally:
                await self.db.dispose()

    async def _post(self, path: str, body: Any, headers: dict[str, str]) -> Any:
        async with self.http.post(
            f"{self.setup.base_url}/api/v1{path}", json=body, headers=headers
        ) as response:
            answer = await response.json()
            if response.status >= 300:
                raise RuntimeError(f"{path} answered {response.status}: {answer}")
            return answer

    async def _send(
        self, subscribers: int, rate: float, chief: dict[str, str], staff: dict[str, str]
    ) -> dict[str, Any]:
        opened = await self._post("/incidents", {"playbook": "gruppe-1", "zone": 2}, chief)
        nr = int(opened["incident"]["id"])
        deadline = time.monotonic() + 600
        while (await self.db.fan_out(nr, None)).open:  # the alerts settle first
            if time.monotonic() > deadline:
                raise RuntimeError("the activation's alerts did not settle in 10 min")
            await asyncio.sleep(0.25)
        base = f"/incidents/{nr}/communications"
        item = await self._post(base, {"audiences": ["residents"]}, staff)
        await self._control("POST", "/reset")
        if self.watch is not None:
            await asyncio.to_thread(self.watch.begin)
        approved_wall = datetime.now(UTC)
        start = time.monotonic()
        await self._post(f"{base}/{item['id']}/approve", {}, chief)
        sent = await self._post(f"{base}/{item['id']}/send", None, staff)
        answered = time.monotonic()
        first = await self._control("GET", "/wait-first?timeout=120")
        if first["first"] is None:
            raise RuntimeError("no provider request within 120 s of the approval")
        deadline = time.monotonic() + max(1800.0, 5 * subscribers / rate)
        while True:
            view = await self.db.fan_out(nr, TEMPLATE)
            done = view.by_status.get("sent", 0) + view.by_status.get("delivered", 0)
            if done >= subscribers and not view.open:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{done} of {subscribers} sent at the deadline")
            await asyncio.sleep(0.5)
        if self.watch is not None:
            await asyncio.to_thread(self.watch.end)
        assert view.last_update is not None
        completion = (view.last_update - approved_wall).total_seconds()
        ideal = subscribers / rate
        return {
            "residents_queued": sent["residents"],
            "approve_to_send_answer_ms": round((answered - start) * 1000, 1),
            "approve_to_first_sms_ms": round((float(first["first"]) - start) * 1000, 1),
            "first_channel": first["channel"],
            "completion_s": round(completion, 2),
            "ideal_s": round(ideal, 2),
            "completion_over_ideal": round(completion / ideal, 3),
            "by_status": view.by_status,
            **self._cpu(subscribers),
        }

    def _cpu(self, subscribers: int) -> dict[str, Any]:
        if self.watch is None:
            return {}
        return {
            "serve_cpu_s": round(self.watch.cpu_s, 2),
            "serve_cpu_ms_per_message": round(1000 * self.watch.cpu_s / subscribers, 3),
        }


def one(
    children: Children, subscribers: int, db_url: str, stacks: Path | None = None
) -> dict[str, Any]:
    """One database: set up, subscribe, serve, measure, stop (``service.launch_serve``);
    ``stacks``: record ``serve`` with py-spy there."""
    limits = Limits()
    root = Path(tempfile.mkdtemp(prefix=f"residents-{subscribers}-"))
    try:
        staff: list[str] = []

        def before_serve(service: Service) -> None:
            began = time.monotonic()
            asyncio.run(subscribe(service.setup.database_url, subscribers))
            print(f"  {subscribers} residents subscribed in {time.monotonic() - began:.1f} s")
            made = run_cli(service.setup, "token", "create", "staff", "--as", STAFF)
            staff.append(made.strip().splitlines()[-1])

        service = launch_serve(
            children, root, people=0, db_url=db_url, limits=limits, before_serve=before_serve
        )
        try:
            send = Send(service.setup, service.info["control_url"], service.token)
            send.watch = Watch(children, service.serve.pid, stacks)
            result = asyncio.run(send.measure(subscribers, limits.twilio_service_rate, staff[0]))
        finally:
            _, final = service.stop()
        profile: dict[str, Any] = {}
        if stacks is not None:
            profile = {"profile": split(stacks), "top_leaves": top_leaves(stacks)}
        return {
            "subscribers": subscribers,
            "db": "postgresql" if db_url else "sqlite",
            "sms_refused": final.get("sms_refused"),
            **result,
            **profile,
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _print_profile(r: dict[str, Any], out: Callable[[str], None] = print) -> None:
    if "profile" not in r:
        return
    p = r["profile"]
    out(f"  py-spy: {p['samples']} samples, {p['waiting_pct']} % waiting for a core")
    out("  layers (% of busy): " + ", ".join(f"{k} {v}" for k, v in p["layer_pct_of_busy"].items()))
    out("  components (%): " + ", ".join(f"{k} {v}" for k, v in p["component_pct"].items()))
    for leaf, pct in r["top_leaves"]:
        out(f"  {pct:5.1f} %  {leaf}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=20_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    parser.add_argument(
        "--profile", type=Path, default=None, help="record serve with py-spy, stacks in DIR"
    )
    args = parser.parse_args(argv)
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    load_start = load_average()
    results = []
    with ExitStack() as stack:
        children = stack.enter_context(Children())
        for db in args.db.split(","):
            stacks = args.profile / f"{db}.txt" if args.profile is not None else None
            r = one(children, args.subscribers, database_url(stack, db, "residents"), stacks)
            results.append(r)
            print(
                f"{r['db']:<10} {args.subscribers:>6} subscribers: approval → first SMS "
                f"{r['approve_to_first_sms_ms']} ms ({r['first_channel']}); completion "
                f"{r['completion_s']} s, ideal {r['ideal_s']} s, ratio "
                f"{r['completion_over_ideal']}; 429s {r['sms_refused']}; serve CPU "
                f"{r['serve_cpu_s']} s, {r['serve_cpu_ms_per_message']} ms/message",
                flush=True,
            )
            _print_profile(r)
    load_end = load_average()
    print(f"load average: {load_start} at the start, {load_end} at the end")
    if args.out is not None:
        meta = {"load_start": load_start, "load_end": load_end}
        args.out.write_text(json.dumps({"meta": meta, "runs": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
