"""Provider connection resets during a fan-out, against the recording peers.

Twilio (``RecordingTwilio``), SMTP (aiosmtpd) and the Telegram Bot API stand-in close the
socket without an answer on some requests — after taking the message, so the sender cannot
know it went out — while the real channels fan an activation out to a large fictional
directory. On top of that a "dead worker" leases rows of every channel and never reports.

Checked: every row ends sent (0 lost); each SMS row is exactly one message at Twilio (the
reset ones are found through the reconcile lookup, not sent again); email and Telegram are
sent twice at most for the resets that happened after the provider took the message; no row
stays ``sending`` longer than one lease past the end of its lease; the workers stay healthy.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from beredskab.delivery.outbox import Outbox
from beredskab.incident import activation, fanout
from beredskab.plan import load_plan
from beredskab.settings import OutboxSettings
from beredskab.storage import Database
from notifier.types import ChannelKind, DeliveryStatus
from tests.faults.support_delivery import (
    LeaseWatch,
    big_directory,
    channels,
    close_channels,
    email_duplicates,
    incident_rows,
    link_chats,
    open_rows,
    sms_exactly_once,
    telegram_duplicates,
    wait_until,
)
from tests.peers.smtp import SmtpPeer, smtp_peer
from tests.peers.telegram_api import FakeBotApi, fake_bot_api
from tests.peers.twilio_recording import RecordingTwilio, recording_twilio

__all__ = ["fake_bot_api", "recording_twilio", "smtp_peer"]

PEOPLE = 150
RESETS = 12
EVERY = 7
DEAD_LEASE = timedelta(seconds=3)
SETTINGS = OutboxSettings(
    workers=2,
    batch_size=40,
    lease_seconds=20,
    poll_seconds=0.05,
    backoff_base_seconds=0.2,
    backoff_max_seconds=1.0,
    max_attempts=8,
    max_in_flight=16,
)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("sender", ["number", "messaging-service"])
async def test_resets_lose_nothing_duplicate_no_sms_and_leave_no_row_leased(
    sender: str,
    db: Database,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
    recording_twilio: RecordingTwilio,
    smtp_peer: SmtpPeer,
    fake_bot_api: FakeBotApi,
) -> None:
    twilio, smtp, telegram = recording_twilio, smtp_peer, fake_bot_api
    plan = load_plan(playbooks_dir=None, directory_file=big_directory(PEOPLE, tmp_path))
    wired = channels(
        twilio, smtp, telegram, tmp_path, messaging_service=sender == "messaging-service"
    )
    watch = LeaseWatch(db, grace=timedelta(seconds=SETTINGS.lease_seconds))
    try:
        await link_chats(db, plan)
        incident = (
            await activation.activate(
                db=db, plan=plan, playbook="gruppe-1", actor_id="maria-friis", channel="test"
            )
        ).incident.id
        await fanout.complete(db, plan)  # everyone queued, as serve's runner would
        # A worker that leases rows of every channel and dies without a word.
        async with db.transaction() as tx:
            dead = [
                c
                for kind in (ChannelKind.SMS, ChannelKind.EMAIL, ChannelKind.TELEGRAM)
                for c in await tx.deliveries.claim(
                    owner="dead", now=tx.now, lease_until=tx.now + DEAD_LEASE, limit=5, channel=kind
                )
            ]
        twilio.reset(RESETS, recorded=True, every=EVERY)
        smtp.handler.reset(RESETS, recorded=True, every=EVERY)
        telegram.reset(RESETS, recorded=True, every=EVERY)

        outbox = Outbox(db=db, channels=wired, settings=SETTINGS)
        stop = asyncio.Event()
        watch.start()
        runner = asyncio.create_task(outbox.run(stop))
        started = await db.now()

        async def settled() -> bool:
            return await open_rows(db) == 0

        await wait_until(settled, within=240)
        took = (await db.now() - started).total_seconds()
        stop.set()
        await runner
        await watch.stop()
        rows = await incident_rows(db, incident)
        health = outbox.health()
    finally:
        await close_channels(wired)

    states = Counter(d.status for d in rows)
    assert set(states) <= {DeliveryStatus.SENT, DeliveryStatus.DELIVERED}, states
    assert twilio.resets == smtp.handler.resets == telegram.resets == RESETS
    sms_exactly_once(rows, twilio)
    reconciled = [d for d in rows if d.channel is ChannelKind.SMS and d.attempts > 1]
    assert len(reconciled) >= RESETS  # every reset SMS was looked up, not re-sent
    email_dup = email_duplicates(rows, smtp)
    telegram_dup = telegram_duplicates(rows, telegram)
    assert email_dup <= smtp.handler.resets and telegram_dup <= telegram.resets
    taken_again = [d for d in rows if d.id in {c.delivery.id for c in dead}]
    assert all(d.attempts >= 2 for d in taken_again)
    assert watch.overdue == {}, f"rows left sending past their lease: {watch.overdue}"
    assert all(h.state == "ok" for h in health.values()), health
    per_channel = Counter(d.channel.value for d in rows)
    figures = (
        f"faults: provider resets [{db.dialect}, SMS from a {sender}]: {len(rows)} rows "
        f"{dict(per_channel)} in "
        f"{took:.1f} s; {RESETS} resets per provider after the message was taken; "
        f"{len(dead)} rows of a dead worker taken up again; lost=0; SMS dup=0 "
        f"({len(reconciled)} reconciled, {len(twilio.lookups)} lookups); email dup={email_dup}; "
        f"telegram dup={telegram_dup}; rows sending past lease=0"
    )
    print(f"\n{figures}")
    record_property("figures", figures)
