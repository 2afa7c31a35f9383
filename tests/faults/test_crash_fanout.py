"""kill -9 in the middle of a large fan-out through all three real channels, then a restart.

The real ``beredskab serve`` (``tests/e2e/service.py``), on SQLite and on PostgreSQL, sends
an activation of gruppe 1 to a generated fictional directory of 700 extra people — more
than 2,000 messages over SMS (``RecordingTwilio``), email (aiosmtpd, with some latency so it
streams) and Telegram (the Bot API stand-in) — and is killed with SIGKILL while every
channel is mid-stream. A second ``serve`` takes the rows over once the dead one's leases
run out.

Checked: 0 lost (every row ends sent or delivered, every email and Telegram message
arrived); SMS exactly once (each SMS row is one message at Twilio, nobody got one twice: the
rows in the air at the kill are found through the reconcile lookup); email and Telegram
duplicates from the kill (copies of rows that were leased then) at most ``[outbox]
max_in_flight`` per channel — the bound the README states. A copy sent twice by a retry of a
send cut off on a slow machine is allowed but must show as a retry, and is reported apart.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from beredskab.plan import load_plan
from beredskab.storage import Database
from notifier.types import ChannelKind, DeliveryStatus
from tests.e2e.service import Health, service_env, start_service, wait_for, write_config
from tests.faults.support_delivery import (
    big_directory,
    email_duplicates,
    extra_copies,
    incident_rows,
    link_chats,
    open_rows,
    sms_exactly_once,
    telegram_duplicates,
)
from tests.peers.smtp import SmtpPeer, smtp_peer
from tests.peers.telegram_api import FakeBotApi, fake_bot_api
from tests.peers.twilio_recording import RecordingTwilio, recording_twilio
from tests.postgres import free_port

__all__ = ["fake_bot_api", "recording_twilio", "smtp_peer"]

PEOPLE = 700
MAX_IN_FLIGHT = 8
OUTBOX = f"workers = 2\nbatch_size = 50\nlease_seconds = 30\nmax_in_flight = {MAX_IN_FLIGHT}\n"
"""Two workers per channel; a lease (30 s) the restarted service waits out; the bound."""
EMAIL_LATENCY = 0.2
"""Each email takes the SMTP peer this long, so email (at most ``MAX_IN_FLIGHT`` at a time,
about 40/s) is still streaming when Telegram (paced at 30/s) has sent its first
``STREAMING``. With 0.02 s email ran ~5 times faster than Telegram and, on an idle machine,
was nearly done by then, so the moment every channel was mid-stream could pass unseen."""
STREAMING = 100
"""Kill when every channel has at least this many rows sent and this many still to go."""
CHANNELS = (ChannelKind.SMS, ChannelKind.EMAIL, ChannelKind.TELEGRAM)


def _outbox_running(health: Health) -> bool:
    """The outbox is up (``running`` today, ``ok`` once /healthz reports states)."""
    components = health.get("components", health)
    state = components.get("outbox") if isinstance(components, dict) else None
    if isinstance(state, dict):
        state = state.get("state")
    return state in ("running", "ok")


@pytest.fixture
async def service_db(db_url: str) -> AsyncIterator[Database]:
    """The service's database (SQLite or PostgreSQL), opened by the test to look at it."""
    database = Database(db_url)
    yield database
    await database.dispose()


async def _counts(db: Database, incident: int) -> dict[tuple[ChannelKind, DeliveryStatus], int]:
    async with db.read() as tx:
        return await tx.deliveries.channel_counts(incident)


@pytest.mark.timeout(420)
async def test_kill_9_mid_fan_out_sends_sms_once_and_duplicates_at_most_what_was_in_the_air(
    tmp_path: Path,
    record_property: Callable[[str, object], None],
    recording_twilio: RecordingTwilio,
    smtp_peer: SmtpPeer,
    fake_bot_api: FakeBotApi,
    db_url: str,
    service_db: Database,
) -> None:
    twilio, smtp, telegram, db = recording_twilio, smtp_peer, fake_bot_api, service_db
    smtp.handler.latency = EMAIL_LATENCY
    directory = big_directory(PEOPLE, tmp_path)
    config = write_config(
        tmp_path,
        port=free_port(),
        twilio_url=twilio.base_url,
        smtp=smtp,
        telegram_url=telegram.base_url,
        outbox=OUTBOX,
        twilio="timeout_seconds = 30\n",
        extra=f'[database]\nurl = "{db_url}"\n',
    )
    text = config.read_text(encoding="utf-8")
    config.write_text(
        re.sub(r'^directory_file = ".*"$', f'directory_file = "{directory}"', text, flags=re.M),
        encoding="utf-8",
    )
    env = service_env(bot_token=telegram.token)
    first = await start_service(tmp_path, config, env, ready=_outbox_running)
    await link_chats(db, load_plan(playbooks_dir=None, directory_file=directory))
    await first.acli(
        "activate", "gruppe-1", "--as", "maria-friis", "--no-deliver", "--description", "Brand"
    )
    incident = 1

    seen: list[dict[tuple[ChannelKind, DeliveryStatus], int]] = []

    async def streaming() -> bool:
        counts = await _counts(db, incident)
        seen.append(counts)
        done = {DeliveryStatus.SENT, DeliveryStatus.DELIVERED}
        for kind in CHANNELS:
            sent = sum(n for (k, s), n in counts.items() if k is kind and s in done)
            left = sum(n for (k, s), n in counts.items() if k is kind and s not in done)
            if sent < STREAMING or left < STREAMING:
                return False
        return True

    try:
        await wait_for(streaming, within=240)
    except AssertionError:
        raise AssertionError(f"never every channel mid-stream; last counts {seen[-1:]}") from None
    await first.kill()
    at_kill = await incident_rows(db, incident)
    peers_at_kill = (len(twilio.messages), len(smtp.handler.received), len(telegram.sent))
    killed_at = await db.now()

    second = await start_service(tmp_path, config, env, ready=_outbox_running)

    async def settled() -> bool:
        return await open_rows(db) == 0

    await wait_for(settled, within=240)
    settled_in = (await db.now() - killed_at).total_seconds()
    async with httpx.AsyncClient() as client:
        health = (await client.get(f"{second.base_url}/healthz")).json()
    await second.stop()

    rows = await incident_rows(db, incident)
    assert len(rows) >= 2000, len(rows)
    states = Counter((d.channel.value, d.status.value) for d in rows)
    assert {d.status for d in rows} <= {DeliveryStatus.SENT, DeliveryStatus.DELIVERED}, states
    sms_exactly_once(rows, twilio)
    email_dup = email_duplicates(rows, smtp)
    telegram_dup = telegram_duplicates(rows, telegram)
    # A copy sent twice because of the kill was in the air then: its row was leased. Any
    # other copy is an unknown-outcome retry (a send cut off on a loaded machine): allowed,
    # but it must show as a retry, and it is reported apart.
    leased = {d.id: d for d in at_kill if d.status is DeliveryStatus.SENDING}
    extra = extra_copies(rows, smtp, telegram)
    by_id = {d.id: d for d in rows}
    crash_dup = Counter(
        by_id[i].channel.value for i, n in extra.items() if i in leased for _ in range(n)
    )
    retried = {i: n for i, n in extra.items() if i not in leased}
    assert crash_dup["email"] <= MAX_IN_FLIGHT and crash_dup["telegram"] <= MAX_IN_FLIGHT, crash_dup
    assert all(by_id[i].attempts >= 2 for i in retried), retried
    in_air = Counter(d.channel.value for d in at_kill if d.status is DeliveryStatus.SENDING)
    figures = (
        f"faults: kill -9 mid fan-out [{db.dialect}]: {len(rows)} messages "
        f"({dict(Counter(d.channel.value for d in rows))}); at the kill the peers had "
        f"SMS/email/Telegram {peers_at_kill}, rows leased {dict(in_air)}; settled "
        f"{settled_in:.1f} s after the kill (lease 30 s); lost=0; SMS dup=0 "
        f"({in_air['sms']} SMS leased at the kill, {len(twilio.lookups)} Twilio lookups); "
        f"email dup={email_dup}, Telegram dup={telegram_dup} (of them from the kill: email "
        f"{crash_dup['email']}, Telegram {crash_dup['telegram']}, bound {MAX_IN_FLIGHT} per "
        f"channel; {sum(retried.values())} from retries of cut-off sends); outbox after "
        f"restart: {health.get('components', {}).get('outbox')}"
    )
    print(f"\n{figures}")
    record_property("figures", figures)
