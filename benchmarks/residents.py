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
  (``deliveries.updated_at``), over the ideal N ÷ the messaging service's rate.

Prints both per database with the load average before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks import standins
from benchmarks.first_request import Rounds, _run
from benchmarks.procs import Children, load_average
from benchmarks.service import CHIEF, Setup, overrides_for, prepare, synthetic_directory
from benchmarks.standins import Limits
from tests.postgres import free_port

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


class Send(Rounds):
    """One incident, one resident message, timed."""

    async def measure(self, subscribers: int, rate: float, staff: str) -> dict[str, Any]:
        chief = {"Authorization": f"Bearer {self.token}"}
        helper = {"Authorization": f"Bearer {staff}"}
        timeout = aiohttp.ClientTimeout(total=600)
        async with aiohttp.ClientSession(timeout=timeout) as self.http:
            try:
                await self._healthy()
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
        }


def one(children: Children, subscribers: int, db_url: str) -> dict[str, Any]:
    """One database: set up, subscribe, serve, measure, stop."""
    limits = Limits()
    root = Path(tempfile.mkdtemp(prefix=f"residents-{subscribers}-"))
    try:
        stand_ins, info = standins.launch(children, root, limits.__dict__)
        directory = synthetic_directory(0, root)
        port = free_port()
        overrides = overrides_for(
            port=port,
            database_url=db_url or None,
            directory=directory,
            stand_ins=info,
            sms_rate=limits.twilio_service_rate,
            extra={},
        )
        setup: Setup = prepare(root, port=port, database_url=db_url or None, overrides=overrides)
        _run(setup, "db", "upgrade")
        began = time.monotonic()
        asyncio.run(subscribe(setup.database_url, subscribers))
        print(f"  {subscribers} residents subscribed in {time.monotonic() - began:.1f} s")
        chief = _run(setup, "token", "create", "chief", "--as", CHIEF).strip().splitlines()[-1]
        staff = _run(setup, "token", "create", "staff", "--as", STAFF).strip().splitlines()[-1]
        serve = children.popen(
            setup.command("serve"),
            env=setup.env,
            cwd=root,
            stdout=(root / "serve.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        try:
            send = Send(setup, info["control_url"], chief)
            result = asyncio.run(send.measure(subscribers, limits.twilio_service_rate, staff))
        finally:
            if serve.poll() is not None:
                log = (root / "serve.log").read_text(errors="replace")[-3000:]
                print(f"the service exited early ({serve.returncode}):\n{log}", file=sys.stderr)
            children.stop(serve)
            assert stand_ins.stdin is not None and stand_ins.stdout is not None
            stand_ins.stdin.close()
            lines = stand_ins.stdout.read().strip().splitlines()
            final = json.loads(lines[-1]) if lines else {}
            stand_ins.wait(timeout=30)
        return {
            "subscribers": subscribers,
            "db": "postgresql" if db_url else "sqlite",
            "sms_refused": final.get("sms_refused"),
            **result,
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=20_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args(argv)
    load_start = load_average()
    results = []
    with ExitStack() as stack:
        children = stack.enter_context(Children())
        for db in args.db.split(","):
            url = ""
            if db == "postgresql":
                from tests.postgres import cluster, create_database

                server = stack.enter_context(cluster())
                create_database(server, "residents")
                url = f"{server}/residents"
            r = one(children, args.subscribers, url)
            results.append(r)
            print(
                f"{r['db']:<10} {args.subscribers:>6} subscribers: approval → first SMS "
                f"{r['approve_to_first_sms_ms']} ms ({r['first_channel']}); completion "
                f"{r['completion_s']} s, ideal {r['ideal_s']} s, ratio "
                f"{r['completion_over_ideal']}; 429s {r['sms_refused']}",
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
