"""After the stand-down nothing but the stand-down message reaches the real peers (Twilio
through Prism, the SMTP server), whatever was in flight (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from beredskab.delivery.outbox import Outbox
from beredskab.incident import activation, escalation, standdown, steps
from beredskab.plan import Plan
from beredskab.settings import OutboxSettings
from beredskab.storage import Database
from notifier.types import ChannelKind
from tests.beredskab.delivery.test_delivery_peers import Peers, peers
from tests.beredskab.helpers import CHIEF, POLICE, deliveries
from tests.conftest import TestClock

__all__ = ["peers"]

FALLBACK_SECONDS = 30.0


@pytest.fixture
async def cdb(db_url: str, clock: TestClock) -> AsyncIterator[Database]:
    database = Database(db_url, clock=clock)
    await database.upgrade()
    yield database
    await database.dispose()


def _subjects(peers: Peers) -> list[str]:
    return [str(m.message["Subject"]) for m in peers.smtp.handler.received]


async def test_after_the_stand_down_only_the_stand_down_reaches_the_smtp_server(
    cdb: Database, plan: Plan, clock: TestClock, peers: Peers
) -> None:
    """Seen: 14 s after a stand-down staff were emailed the outreach tasks it had cancelled,
    and the chief got "Eskalering - hændelse 1 mangler svar" by email 53 s after it."""
    outbox = Outbox(
        db=cdb,
        channels={k: c for k, c in peers.channels.items() if k is not ChannelKind.TELEGRAM},
        settings=OutboxSettings(fallback_after_seconds=FALLBACK_SECONDS),
    )
    nr = (
        await activation.activate(
            db=cdb, plan=plan, playbook="2", actor_id=POLICE, channel="sms", police_case="3700-55"
        )
    ).incident.id
    await outbox.drain()
    clock.advance(minutes=30)
    await escalation.tick(db=cdb, plan=plan, limit=1000)  # the missing list, by SMS first
    for step in range(1, 7):  # outreach tasks go out by SMS first, email if not delivered
        await steps.finish(
            db=cdb, plan=plan, incident_id=nr, step_ref=str(step), actor_id=CHIEF, channel="cli"
        )
    await outbox.drain()
    rows = await deliveries(cdb, nr)
    assert [d for d in rows if d.template == "escalation" and d.channel is ChannelKind.SMS]
    assert [d for d in rows if d.template == "outreach_task" and d.channel is ChannelKind.SMS]
    before = len(peers.smtp.handler.received)
    clock.advance(seconds=1)
    await standdown.close(db=cdb, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")
    for seconds in (14, 53, FALLBACK_SECONDS + 1):
        clock.advance(seconds=seconds)
        await outbox.check_fallbacks()
        await outbox.drain()
    after = _subjects(peers)[before:]
    assert after, "the stand-down message falls back to email as before"
    # only what the close itself sends: the stand-down message and the leader's chain head
    closing = ("afsluttet", "stood down", "Kædehoved", "Chain head")
    assert [s for s in after if not any(word in s for word in closing)] == []
    closed_at = clock.now - timedelta(seconds=14 + 53 + FALLBACK_SECONDS + 1)
    late = [d for d in await deliveries(cdb, nr) if d.created_at >= closed_at]
    assert {d.template for d in late} == {"stand_down", "chain_head"}
