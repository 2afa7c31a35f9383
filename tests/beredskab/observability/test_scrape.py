"""``/metrics`` of a running service (its own web server on 127.0.0.1), on SQLite and
PostgreSQL: the database gauges before and after a delivery, the outcomes of a failed and a
good delivery, an inbound "OK" and a receipt, timers firing late, the first confirmation; and
a scrape while the database is unreachable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from beredskab.app import App
from beredskab.plan import Plan
from beredskab.storage import Database
from beredskab.web import create_app
from beredskab.web.server import WebServer
from notifier.types import ChannelKind
from tests.beredskab.helpers import SSP, activate_2, deliveries
from tests.beredskab.observability.support import build, names, parse, value
from tests.conftest import TestClock
from tests.postgres import free_port


@asynccontextmanager
async def serving(app: App) -> AsyncIterator[httpx.AsyncClient]:
    """The service's web server on its port, and a client that talks to it directly."""
    server = WebServer(app)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(30):
            while not server.started:  # noqa: ASYNC110 - WebServer offers only this flag
                await asyncio.sleep(0.01)
        base = f"http://127.0.0.1:{app.settings.web.port}"
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            yield client
    finally:
        server.stop()
        async with asyncio.timeout(30):
            await task


async def test_a_scrape_after_deliveries_an_inbound_ok_and_timers(
    db_url: str, clock: TestClock, plan: Plan, tmp_path: Path
) -> None:
    app = await build(db_url, clock, plan, tmp_path, port=free_port())
    app.leadership.is_leader = True  # on PostgreSQL the leader observes the milestones
    try:
        async with serving(app) as client:
            nr = await activate_2(app.db, plan)
            rows = await deliveries(app.db, nr)
            sms = sum(d.channel is ChannelKind.SMS for d in rows)
            email = sum(d.channel is ChannelKind.EMAIL for d in rows)
            assert sms and email
            clock.advance(seconds=60)

            answer = await client.get("/metrics")
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
            before = parse(answer.text)
            assert value(before, "beredskab_outbox_messages", channel="sms", state="queued") == sms
            assert value(before, "beredskab_outbox_messages", channel="email", state="queued") == (
                email
            )
            assert value(before, "beredskab_outbox_messages", channel="sms", state="sending") == 0
            assert value(before, "beredskab_outbox_oldest_age_seconds", channel="sms") == 60.0
            assert value(before, "beredskab_inbox_backlog") == 0
            assert value(before, "beredskab_component_up", component="database") == 1
            assert value(before, "beredskab_deliveries_total", channel="sms", outcome="failed") is (
                None
            )

            await app.outbox.drain()  # every SMS refused (21211), every email delivered
            middle = parse((await client.get("/metrics")).text)
            proxied = await client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
            assert proxied.status_code == 403  # loopback, but forwarded by a proxy
            sid = "SM" + "c" * 32
            ok = {"MessageSid": sid, "From": _phone(plan, SSP), "To": "+4570201234", "Body": "OK"}
            assert await app.inbox.receive(source="twilio-sms", provider_id=sid, payload=ok)
            status = {"MessageSid": "SM" + "d" * 32, "MessageStatus": "delivered"}
            assert await app.inbox.receive(
                source="twilio-status", provider_id="SMd:delivered", payload=status
            )
            clock.advance(seconds=5)
            assert await app.inbox.process_pending() == 2
            await app.outbox.drain()
            clock.advance(minutes=30)  # past the first escalation sweep
            fired = await app.timers.tick()
            assert fired >= 1

            after = parse((await client.get("/metrics")).text)
    finally:
        await app.aclose()

    assert value(middle, "beredskab_deliveries_total", channel="sms", outcome="failed") == sms
    assert value(middle, "beredskab_provider_errors_total", channel="sms", code="21211") == sms
    delivered = value(middle, "beredskab_deliveries_total", channel="email", outcome="delivered")
    assert delivered is not None and delivered >= email
    assert value(middle, "beredskab_outbox_messages", channel="email", state="queued") == 0
    assert value(middle, "beredskab_outbox_oldest_age_seconds", channel="email") == 0
    for source in ("twilio-sms", "twilio-status"):
        labels = {"source": source}
        assert value(after, "beredskab_inbound_apply_latency_seconds_count", **labels) == 1
        assert value(after, "beredskab_inbound_apply_latency_seconds_sum", **labels) == 5.0
    assert "beredskab_delivery_receipts_total" not in names(after)  # an unknown message: ignored
    late = sum(
        v for (name, _), v in after.items() if name == "beredskab_timer_lateness_seconds_count"
    )
    assert late == fired
    playbook = {"playbook": "gruppe-2", "drill": "false"}
    assert value(after, "beredskab_incident_first_confirmation_seconds_count", **playbook) == 1
    assert value(after, "beredskab_incident_first_confirmation_seconds_sum", **playbook) == 65.0
    assert value(after, "beredskab_component_up", component="database") == 1


def _phone(plan: Plan, person_id: str) -> str:
    person = plan.directory.person(person_id)
    assert person is not None and person.phone
    return person.phone


async def test_a_scrape_while_the_database_is_unreachable_still_answers(
    clock: TestClock, plan: Plan, tmp_path: Path
) -> None:
    app = await build(f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3", clock, plan, tmp_path)
    gone = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/gone")
    app.db, healthy = gone, app.db
    transport = httpx.ASGITransport(app=create_app(app))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            answer = await client.get("/metrics")
    finally:
        app.db = healthy
        await gone.dispose()
        await app.aclose()
    assert answer.status_code == 200
    samples = parse(answer.text)
    assert value(samples, "beredskab_component_up", component="database") == 0
    assert not names(samples) & {"beredskab_outbox_messages", "beredskab_inbox_backlog"}
    assert value(samples, "beredskab_inbound_spooled") == 0
