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
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.first_request import Rounds
from benchmarks.procs import Children, load_average
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


class Send(Rounds):
    """One incident, one resident message, timed."""

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
    """One database: set up, subscribe, serve, measure, stop (``service.launch_serve``)."""
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
            result = asyncio.run(send.measure(subscribers, limits.twilio_service_rate, staff[0]))
        finally:
            _, final = service.stop()
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
            r = one(children, args.subscribers, database_url(stack, db, "residents"))
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
