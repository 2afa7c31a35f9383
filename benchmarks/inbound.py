"""G5: inbound replies at a fixed concurrency against the running service, over HTTP.

Two kinds of request, alternating: an SMS "OK" as Twilio posts it to
``/webhooks/twilio/sms`` (signed with the configured auth token by the twilio library's
``RequestValidator``, exactly as Twilio signs), and the POST behind the confirm button of
the acknowledgement link in the person's email (the link is taken from the email the SMTP
stand-in received; the form's field and value from the link's page, once).

``measure`` is G5 of the whole harness (``benchmarks.size``). Alone, against a real ``serve``
with the shipped configuration and the stand-ins (``benchmarks.service.launch_serve``):

    .venv/bin/python -m benchmarks.inbound [--people 2000] [--db sqlite,postgresql]
        [--max 1000] [--py-spy DIR]

activates gruppe-1 through the API, waits until every alert is out, then sends the replies
at concurrency 16 and 64 (different people each) and prints req/s, p50/p99, applied/s,
``serve``'s CPU per reply (whole, and its event loop's thread alone, with how busy that
thread and this generator were) and the load average. ``--py-spy DIR`` records ``serve``
during the replies only and prints its samples' shares per layer (``benchmarks.layers``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from twilio.request_validator import RequestValidator

from benchmarks.dbview import DbView
from benchmarks.layers import split
from benchmarks.procs import (
    Children,
    cpu_seconds,
    load_average,
    loop_cpu_seconds,
    terminate_raises,
)
from benchmarks.service import activate, database_url, email, launch_serve, phone, wait_healthy
from tests.peers.twilio import ACCOUNT_SID, AUTH_TOKEN

BUTTON = re.compile(r"<button[^>]*\bname=\"([^\"]+)\"[^>]*\bvalue=\"([^\"]+)\"")


@dataclass(frozen=True)
class Reply:
    """One inbound request: an SMS "OK" from ``phone`` or a POST to ``link``."""

    person_id: str
    phone: str | None = None
    link: str | None = None


@dataclass
class LoadResult:
    """Throughput, latency and errors of one load run."""

    concurrency: int
    requests: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        values = self.latencies_ms
        if len(values) < 2:
            return values[0] if values else float("nan")
        return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


async def confirm_form(session: aiohttp.ClientSession, link: str) -> dict[str, str]:
    """The confirm button's form field, read from the link's page (the first button)."""
    async with session.get(link) as response:
        page = await response.text()
    found = BUTTON.search(page)
    if response.status != 200 or found is None:
        raise RuntimeError(f"no confirm form at {link} ({response.status})")
    return {found.group(1): found.group(2)}


def signed_sms(base_url: str, sender: str, body: str) -> tuple[str, dict[str, str], str]:
    """URL, form and X-Twilio-Signature of an inbound SMS as Twilio sends it."""
    url = f"{base_url}/webhooks/twilio/sms"
    params = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": "+4570201234",
        "Body": body,
        "NumMedia": "0",
    }
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    return url, params, signature


async def run_load(
    base_url: str, replies: list[Reply], concurrency: int, form: dict[str, str]
) -> LoadResult:
    """Send every reply with ``concurrency`` requests in the air."""
    queue: asyncio.Queue[Reply] = asyncio.Queue()
    for reply in replies:
        queue.put_nowait(reply)
    # Signatures are computed before the clock starts: they are Twilio's work, not ours.
    prepared: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {}
    for reply in replies:
        if reply.phone is not None:
            url, params, signature = signed_sms(base_url, reply.phone, "OK")
            prepared[reply.person_id] = (url, params, {"X-Twilio-Signature": signature})
        else:
            assert reply.link is not None
            prepared[reply.person_id] = (reply.link, form, {})
    result = LoadResult(concurrency, len(replies), 0.0)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=120)

    async def worker(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            reply = queue.get_nowait()
            url, data, headers = prepared[reply.person_id]
            start = time.perf_counter()
            try:
                async with session.post(url, data=data, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as error:
                key = type(error).__name__
                result.errors[key] = result.errors.get(key, 0) + 1
                continue
            result.latencies_ms.append((time.perf_counter() - start) * 1000)
            if status != 200:
                result.errors[str(status)] = result.errors.get(str(status), 0) + 1

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        result.started = datetime.now(UTC)
        began = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        result.seconds = time.perf_counter() - began
    return result


@dataclass(frozen=True)
class Cpu:
    """CPU seconds over one run's window (first request until every reply was applied):
    ``serve`` whole, its event loop's thread alone, and this load generator."""

    serve: float
    loop: float
    generator: float
    wall: float


def summary(
    result: LoadResult, applied_seconds: float | None, cpu: Cpu | None = None
) -> dict[str, Any]:
    """The run as JSON-ready numbers; with ``cpu``, ``serve``'s CPU per reply (a measure
    that the machine's load distorts little) and how busy its event loop and this generator
    were: a loop near 100 % of a core is the bound of a single-loop service."""
    applied = result.requests / applied_seconds if applied_seconds else None
    n = result.requests
    figures: dict[str, float | None] = dict.fromkeys(
        ("cpu_ms_per_reply", "loop_cpu_ms_per_reply", "loop_busy_pct", "generator_busy_pct")
    )
    if cpu is not None and n > 0 and cpu.wall > 0:
        figures = {
            "cpu_ms_per_reply": round(1000 * cpu.serve / n, 2),
            "loop_cpu_ms_per_reply": round(1000 * cpu.loop / n, 2),
            "loop_busy_pct": round(100 * cpu.loop / cpu.wall, 1),
            "generator_busy_pct": round(100 * cpu.generator / cpu.wall, 1),
        }
    return {
        "concurrency": result.concurrency,
        "requests": result.requests,
        "per_second": round(result.per_second, 1),
        "p50_ms": round(result.percentile(50), 1),
        "p99_ms": round(result.percentile(99), 1),
        "errors": result.errors,
        "applied_seconds": round(applied_seconds, 2) if applied_seconds else None,
        "applied_per_second": round(applied, 1) if applied else None,
        **figures,
    }


async def measure(
    http: aiohttp.ClientSession,
    db: DbView,
    control: Callable[[str, str], Awaitable[Any]],
    *,
    base: str,
    people: int,
    cap: int,
    incident: int,
    pid: int | None = None,
) -> list[dict[str, Any]]:
    """G5: the replies of up to ``cap`` people at concurrency 16, then of others at 64 (odd
    people by SMS, even ones through their email's link), each run until applied; with
    ``pid`` (``serve``'s), its CPU per reply over that time too."""
    links: dict[str, list[str]] = await control("GET", "/links")
    groups = [
        range(0, min(people // 2, cap)),
        range(people // 2, people // 2 + min(people - people // 2, cap)),
    ]
    form: dict[str, str] | None = None
    results = []
    for concurrency, group in zip((16, 64), groups, strict=True):
        replies = []
        for i in group:
            if i % 2:
                replies.append(Reply(f"bench-{i}", phone=phone(i)))
                continue
            found = [u for u in links.get(email(i), []) if u.startswith(base)]
            if not found:
                raise RuntimeError(f"no link to {base} in the email to {email(i)}")
            replies.append(Reply(f"bench-{i}", link=found[0]))
        if form is None:
            link = next(r.link for r in replies if r.link)
            assert link is not None
            form = await confirm_form(http, link)
        began = _cpu(pid)
        load = await run_load(base, replies, concurrency, form)
        applied = await _applied(db, incident, [r.person_id for r in replies], load)
        cpu = None if began is None else _cpu_since(pid, began)
        results.append(summary(load, applied, cpu))
    return results


def _cpu(pid: int | None) -> Cpu | None:
    if pid is None:
        return None
    return Cpu(cpu_seconds(pid), loop_cpu_seconds(pid), time.process_time(), time.monotonic())


def _cpu_since(pid: int | None, began: Cpu) -> Cpu | None:
    now = _cpu(pid)
    if now is None:
        return None
    return Cpu(
        serve=now.serve - began.serve,
        loop=now.loop - began.loop,
        generator=now.generator - began.generator,
        wall=now.wall - began.wall,
    )


async def _applied(db: DbView, incident: int, ids: list[str], load: LoadResult) -> float | None:
    """Seconds from the first request until the last reply was applied (database)."""
    expected = len(load.latencies_ms) - sum(v for k, v in load.errors.items() if k.isdigit())
    best, since = -1, time.monotonic()
    while True:
        count, last = await db.confirmed(incident, ids)
        if count >= expected:
            break
        if count > best:
            best, since = count, time.monotonic()
        elif time.monotonic() - since > 120:
            load.errors["not_applied"] = expected - count
            break
        await asyncio.sleep(0.25)
    return (last - load.started).total_seconds() if last is not None else None


def _stacks(spy: Path, service: Any, people: int) -> Path:
    """Where py-spy keeps ``serve``'s stacks of one run."""
    return spy / f"serve-g5-{service.setup.database_url.split(':')[0]}-{people}.txt"


async def _alone(service: Any, people: int, cap: int, spy: Path | None) -> list[dict[str, Any]]:
    """Activate, wait until every alert is out, then ``measure`` (py-spy meanwhile)."""
    headers = {"Authorization": f"Bearer {service.token}"}
    control_url = service.info["control_url"]
    base = service.setup.base_url
    db = DbView(service.setup.database_url)
    async with aiohttp.ClientSession(
        headers=headers, timeout=aiohttp.ClientTimeout(total=600)
    ) as http:

        async def control(method: str, path: str) -> Any:
            async with http.request(method, f"{control_url}{path}") as response:
                return await response.json()

        try:
            await wait_healthy(http, base)
            incident = await activate(http, base, "G5")
            deadline = time.monotonic() + 1800
            while (fan := await db.fan_out(incident)).open or fan.total < 3 * people:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"incident {incident} still sending after 30 min")
                await asyncio.sleep(0.5)
            await asyncio.sleep(1.0)  # the last outcomes are recorded
            recorder = None
            if spy is not None:
                out = _stacks(spy, service, people)
                recorder = service.children.popen(
                    [
                        str(Path(sys.executable).with_name("py-spy")),
                        *("record", "--format", "raw", "--rate", "250", "--nonblocking"),
                        *("--pid", str(service.serve.pid), "--output", str(out)),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                await asyncio.sleep(1.0)  # py-spy attaches
            try:
                return await measure(
                    http,
                    db,
                    control,
                    base=base,
                    people=people,
                    cap=cap,
                    incident=incident,
                    pid=service.serve.pid,
                )
            finally:
                if recorder is not None:  # py-spy writes its file on SIGINT
                    recorder.send_signal(signal.SIGINT)
                    recorder.wait(timeout=60)
        finally:
            await db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="G5 alone: inbound replies against serve")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--max", type=int, default=1000, help="replies per concurrency")
    parser.add_argument("--py-spy", type=Path, default=None, dest="spy")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args(argv)
    if args.spy is not None:
        args.spy.mkdir(parents=True, exist_ok=True)
    terminate_raises()
    results: list[dict[str, Any]] = []
    with ExitStack() as stack:
        children = stack.enter_context(Children())
        for db in args.db.split(","):
            url = database_url(stack, db, "g5")
            root = Path(tempfile.mkdtemp(prefix="g5-"))
            try:
                before = load_average()
                service = launch_serve(children, root, people=args.people, db_url=url)
                try:
                    runs = asyncio.run(_alone(service, args.people, args.max, args.spy))
                finally:
                    service.stop()
                after = load_average()
            finally:
                shutil.rmtree(root, ignore_errors=True)
            if args.spy is not None:  # where serve's CPU went during the replies, by layer
                print(json.dumps(split(_stacks(args.spy, service, args.people)), indent=1))
            for run in runs:
                print(
                    f"{db:<10} c={run['concurrency']:<3} {run['per_second']} req/s, "
                    f"p50 {run['p50_ms']} / p99 {run['p99_ms']} ms, applied "
                    f"{run['applied_per_second']}/s ({run['requests']} in "
                    f"{run['applied_seconds']} s), serve CPU {run['cpu_ms_per_reply']} ms/reply "
                    f"({run['loop_cpu_ms_per_reply']} on its event loop, which ran "
                    f"{run['loop_busy_pct']} % of a core; this generator "
                    f"{run['generator_busy_pct']} %), errors {run['errors']}",
                    flush=True,
                )
            print(f"load average {before} before, {after} after", flush=True)
            results.append({"db": db, "people": args.people, "runs": runs, "load": [before, after]})
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
