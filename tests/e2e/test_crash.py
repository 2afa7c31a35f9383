"""Crash test: `kill -9` the running service mid-delivery with escalation timers pending,
start it again, and check what people would notice.

Twilio is ``RecordingTwilio`` (stateful, so "nobody got the same SMS twice" can be counted)
and SMTP a ``HoldingHandler``; both take the first messages normally and then *keep their
answer back*, so the kill lands while the provider already has messages the service has not
heard about. The playbooks are the bundled ones with the escalation minutes set to 1/2/3, so
the re-notify timers come due during the downtime without a test clock in `serve`.

Checked after the restart:
- every queued message goes out; every SMS row maps to exactly one Twilio message (the rows
  in flight at the kill are reconciled through Twilio's message list, not re-sent);
- email is at-least-once: a message in flight at the kill may arrive twice, always with the
  same Message-ID (derived from the delivery id), so mail clients show it once;
- the escalation sweep that came due (re-notify moment) while the service was down fires
  within 5 s of the restart, once, not before its due time; later timers (the sweep at the
  deputy moment, the missing list) have not fired.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from importlib.resources import files
from pathlib import Path

import httpx
import pytest

from beredskab.models import Delivery
from beredskab.storage import Database
from beredskab.storage.repositories.timers import Timer
from notifier.types import ChannelKind, DeliveryStatus
from tests.e2e.service import (
    Health,
    components_ok,
    service_env,
    start_service,
    wait_for,
    write_config,
)
from tests.peers.smtp import SmtpPeer
from tests.peers.smtp_holding import HoldingHandler, holding_smtp_peer
from tests.peers.twilio_recording import RecordingTwilio, recording_twilio
from tests.postgres import free_port

__all__ = ["holding_smtp_peer", "recording_twilio"]

POLICE, POLICE_PHONE, PIN = "kim-holm", "+4520100001", "4711"
ESCALATION = {"renotify": 1, "deputy": 2, "report_missing": 3}
OUTBOX = "workers = 1\nbatch_size = 2\nlease_seconds = 20\n"
"""One worker per channel taking two rows at a time, so at the kill some rows are sent, two
are in flight and the rest still queued; a lease (20 s) shorter than the downtime."""
HELD = 2
"""The peers answer this many messages each, then hold."""
FIRE_WITHIN = timedelta(seconds=5)


def fast_plan(root: Path) -> Path:
    """The bundled playbooks with escalation after 1, 2 and 3 minutes."""
    folder = root / "plans"
    folder.mkdir()
    for source in (files("playbooks") / "plans").iterdir():
        if not source.name.endswith(".toml"):
            continue
        text = source.read_text(encoding="utf-8")
        for key, minutes in ESCALATION.items():
            text = re.sub(
                rf"^{key}_after_minutes = \d+$",
                f"{key}_after_minutes = {minutes}",
                text,
                flags=re.MULTILINE,
            )
        (folder / source.name).write_text(text, encoding="utf-8")
    return folder


def _outbox_running(health: Health) -> bool:
    return components_ok(health, "outbox", "timers")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """The service's own SQLite file, opened by the test to look at what it stored."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'var' / 'beredskab.sqlite3'}")
    yield database
    await database.dispose()


async def _deliveries(db: Database) -> list[Delivery]:
    async with db.transaction() as tx:
        return await tx.deliveries.for_incident(1)


async def _timers(db: Database) -> list[Timer]:
    async with db.transaction() as tx:
        return await tx.timers.for_incident(1)


async def _sms_rows(db: Database, numbers: set[str]) -> list[Delivery]:
    """Every SMS row to these numbers (incident alerts and the replies to the activator)."""
    rows: list[Delivery] = []
    async with db.transaction() as tx:
        for number in numbers:
            rows += await tx.deliveries.to_address(number, limit=1000)
    return [d for d in rows if d.channel is ChannelKind.SMS]


@pytest.mark.timeout(150)
async def test_kill_9_mid_delivery_with_timers_pending(
    tmp_path: Path,
    recording_twilio: RecordingTwilio,
    holding_smtp_peer: SmtpPeer,
    db: Database,
) -> None:
    twilio, smtp = recording_twilio, holding_smtp_peer.handler
    assert isinstance(smtp, HoldingHandler)
    config = write_config(
        tmp_path,
        port=free_port(),
        twilio_url=twilio.base_url,
        smtp=holding_smtp_peer,
        playbooks_dir=fast_plan(tmp_path),
        outbox=OUTBOX,
        twilio="timeout_seconds = 60\n",
    )
    env = service_env()
    first = await start_service(tmp_path, config, env, ready=_outbox_running)
    await first.acli("pin", "set", POLICE, "--pin-stdin", stdin=PIN + "\n")

    # Activate by SMS; the peers answer the first messages, then hold the next ones.
    twilio.hold(after=HELD)
    smtp.hold(after=HELD)
    async with httpx.AsyncClient() as client:
        await first.sms(
            client, POLICE_PHONE, f"AKTIVER 2 {PIN} JOURNAL 3700-1 Brand i opgang", "SM" + "7" * 32
        )

    async def in_flight() -> bool:
        if twilio.held < HELD or smtp.held < HELD:
            return False
        sent = Counter(d.channel for d in await _deliveries(db) if d.status is DeliveryStatus.SENT)
        return sent[ChannelKind.SMS] >= HELD and sent[ChannelKind.EMAIL] >= HELD

    await wait_for(in_flight)
    at_kill = {d.id: d for d in await _deliveries(db)}
    held_sms = {m.sid: m for m in twilio.messages if not m.answered}
    await first.kill()
    killed_at = await db.now()
    twilio.release()
    smtp.release()

    states = Counter(d.status.value for d in at_kill.values())
    in_flight_rows = [d for d in at_kill.values() if d.status is DeliveryStatus.SENDING]
    assert states["sent"] >= 2 * HELD and states["queued"] > 0, states
    assert {d.channel for d in in_flight_rows} >= {ChannelKind.SMS, ChannelKind.EMAIL}
    assert len(held_sms) == HELD
    timers = await _timers(db)
    renotify = [t for t in timers if t.kind == "sweep"]  # due at the re-notify moment
    assert renotify and all(t.fired_at is None for t in timers)

    # Down until the re-notify timers are due and the dead worker's leases have run out.
    due = max(t.due_at for t in renotify)

    async def timers_due() -> bool:
        return await db.now() >= due

    await wait_for(timers_due, within=90)
    async with db.transaction() as tx:
        now = tx.now
        leases = [await tx.deliveries.get(d.id) for d in in_flight_rows]
    assert all(
        d is not None
        and d.status is DeliveryStatus.SENDING
        and d.lease_until is not None
        and d.lease_until <= now
        for d in leases
    ), "rows in flight at the kill stay leased to the dead worker until the lease runs out"

    started_at = await db.now()
    second = await start_service(tmp_path, config, env, ready=_outbox_running)
    ready_at = await db.now()

    async def settled() -> bool:
        fired = all(t.fired_at is not None for t in await _timers(db) if t.due_at <= due)
        async with db.transaction() as tx:
            return fired and await tx.deliveries.open_count() == 0

    await wait_for(settled, within=30)
    settled_at = await db.now()
    await second.stop()

    rows = await _deliveries(db)
    assert {d.status for d in rows} <= {DeliveryStatus.SENT, DeliveryStatus.DELIVERED}, Counter(
        (d.channel.value, d.status.value) for d in rows
    )

    # SMS: exactly once. Each SMS row is exactly one message at Twilio, and vice versa.
    numbers = {m.to for m in twilio.messages} | {
        d.address for d in rows if d.channel is ChannelKind.SMS
    }
    sms_rows = await _sms_rows(db, numbers)
    assert sorted(d.provider_id or "" for d in sms_rows) == sorted(m.sid for m in twilio.messages)
    repeated = [k for k, n in Counter((m.to, m.body) for m in twilio.messages).items() if n > 1]
    assert repeated == [], "somebody got the same SMS twice"
    # The SMS in flight at the kill were found at Twilio after the restart, not sent again.
    for row in (d for d in in_flight_rows if d.channel is ChannelKind.SMS):
        after = next(d for d in sms_rows if d.id == row.id)
        assert after.provider_id in held_sms and after.attempts == 2, after
        assert any(q.get("To") == row.address for q in twilio.lookups)

    # Email: at least once; a copy sent twice carries the same Message-ID.
    email_rows = [d for d in rows if d.channel is ChannelKind.EMAIL]
    ids_by_content: dict[tuple[str, str], set[str]] = {}
    for mail in smtp.received:
        key = (mail.rcpt_tos[0], str(mail.message["Subject"]))
        ids_by_content.setdefault(key, set()).add(str(mail.message["Message-ID"]))
    assert all(len(ids) == 1 for ids in ids_by_content.values()), ids_by_content
    received = Counter(str(m.message["Message-ID"]) for m in smtp.received)
    assert set(received) == {f"<delivery-{d.id}@example.org>" for d in email_rows}
    twice = {mid for mid, n in received.items() if n > 1}
    held_email = {
        f"<delivery-{d.id}@example.org>" for d in in_flight_rows if d.channel is ChannelKind.EMAIL
    }
    assert twice <= held_email and max(received.values()) <= 2

    # Voice (from the re-notify round): one call per voice row.
    voice_rows = [d for d in rows if d.channel is ChannelKind.VOICE]
    assert voice_rows and sorted(d.provider_id or "" for d in voice_rows) == sorted(
        c.sid for c in twilio.calls
    )

    # Timers: those due in the downtime fire right after the start, once, never early.
    timers = await _timers(db)
    renotify = [t for t in timers if t.kind == "sweep" and t.created_at < killed_at]
    assert len(renotify) == 1  # one sweep for the incident, not one timer per person
    for timer in renotify:
        assert killed_at < timer.due_at <= started_at, "due during the downtime"
        assert timer.fired_at is not None and timer.fired_at >= timer.due_at
        assert timer.fired_at - ready_at <= FIRE_WITHIN, (timer.fired_at, ready_at)
    later = [t for t in timers if t.kind in ("sweep", "report-missing") and t not in renotify]
    assert later and all(t.fired_at is None and t.due_at > settled_at for t in later)
    async with db.transaction() as tx:
        log = await tx.log.list(1)
    renotified = [e for e in log if "har ikke bekræftet efter 1 min" in e.text]
    swept = [re.search(r"(\d+) renotified", t.outcome or "") for t in renotify]
    assert len(renotified) == sum(int(m.group(1)) for m in swept if m) > 0
    sent_before = sum(m.created_at < started_at for m in twilio.messages)
    print(
        f"\ncrash test: at the kill {dict(states)} ({len(in_flight_rows)} in flight: "
        f"{dict(Counter(d.channel.value for d in in_flight_rows))}); down "
        f"{(started_at - killed_at).total_seconds():.1f} s; ready "
        f"{(ready_at - started_at).total_seconds():.1f} s after the start; {len(renotify)} "
        f"escalation sweep(s) fired {_spread(renotify, ready_at)} s after ready, "
        f"{_spread(renotify, None)} s after due; {len(rows)} deliveries; SMS {sent_before} "
        f"before the kill + {len(twilio.messages) - sent_before} after the restart, "
        f"{len(twilio.lookups)} Twilio lookups; {len(twilio.calls)} calls; "
        f"{len(smtp.received)} emails for {len(email_rows)} rows ({len(twice)} twice)"
    )


def _spread(timers: list[Timer], since: datetime | None) -> str:
    """min-max seconds from ``since`` (or each timer's due time) to firing."""
    delays = [((t.fired_at or t.due_at) - (since or t.due_at)).total_seconds() for t in timers]
    return f"{min(delays):.1f}-{max(delays):.1f}"
