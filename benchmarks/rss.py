"""Peak RSS of the dispatcher for one directory size, in this process only.

Activates a synthetic directory of ``people`` (SMS, email and Telegram each) against the
local peers without provider latency or rate limits and waits until every message is out;
prints the peak RSS after the imports, after the activation and at the end. Run each size
in its own process (peak RSS never goes down):

    for n in 200 5000 20000; do .venv/bin/python -m benchmarks.rss $n; done
"""

from __future__ import annotations

import asyncio
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.fanout import _wait_done, peers, synthetic_directory
from beredskab import activation
from beredskab.outbox import Outbox
from beredskab.pacing import PaceLimits
from beredskab.plan import load_plan
from beredskab.settings import OutboxSettings
from beredskab.storage import Database
from notifier.base import Channel
from notifier.channels import email
from notifier.channels.sms import TwilioConfig, TwilioHttpClient, TwilioSmsChannel
from notifier.channels.telegram import TelegramChannel
from notifier.pool import ChannelPool
from notifier.types import ChannelKind
from tests.peers import twilio as twilio_peer
from tests.peers.smtp import PASSWORD, USERNAME


def peak_mb() -> float:
    """This process's peak RSS so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(info: dict[str, str]) -> dict[ChannelKind, Channel]:
    """The three real channels against the peers (one TLS context per pool where offered)."""
    smtp = email.SmtpConfig(
        host="127.0.0.1",
        port=int(info["smtp_port"]),
        from_address="beredskab@example.org",
        username=USERNAME,
        password=PASSWORD,
        ca_file=Path(info["ca_file"]),
    )
    pool = getattr(email, "smtp_pool", None)
    twilio = TwilioConfig(
        account_sid=twilio_peer.ACCOUNT_SID,
        auth_token=twilio_peer.AUTH_TOKEN,
        messaging_service_sid=twilio_peer.SERVICE_SID,
        status_callback_base="http://127.0.0.1:8080",
    )
    return {
        ChannelKind.SMS: TwilioSmsChannel(
            twilio, http_client=TwilioHttpClient(base_url=info["prism_url"])
        ),
        ChannelKind.EMAIL: pool(smtp, 10)
        if pool
        else ChannelPool([email.SmtpEmailChannel(smtp) for _ in range(10)]),
        ChannelKind.TELEGRAM: TelegramChannel.from_token(
            info["telegram_token"], api_base_url=info["telegram_url"]
        ),
    }


async def run(people: int, info: dict[str, str]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="rss-"))
    plan = load_plan(playbooks_dir=None, directory_file=synthetic_directory(people, folder))
    db = Database(f"sqlite+aiosqlite:///{folder}/rss.sqlite3")
    await db.upgrade()
    async with db.transaction() as tx:
        for i, person in enumerate(plan.directory.people):
            await tx.people.link_telegram(
                person.id, user_id=10_000 + i, chat_id=10_000 + i, now=tx.now
            )
    channels = build(info)
    imported = peak_mb()
    outbox = Outbox(
        db=db,
        channels=channels,
        settings=OutboxSettings(workers=2, batch_size=500, lease_seconds=120, poll_seconds=0.05),
        pacing={
            ChannelKind.SMS: PaceLimits(concurrency=16),  # Prism resets beyond that
            ChannelKind.EMAIL: PaceLimits(concurrency=10),
            ChannelKind.TELEGRAM: PaceLimits(concurrency=64),
        },
    )
    stop = asyncio.Event()
    workers = asyncio.create_task(outbox.run(stop))
    try:
        t0, cpu0 = time.perf_counter(), time.process_time()
        result = await activation.activate(
            db=db,
            plan=plan,
            playbook="gruppe-1",
            actor_id="maria-friis",
            channel="bench",
            description="RSS",
        )
        outbox.wake()
        activated = peak_mb()
        counts = await _wait_done(db, result.incident.id)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    finally:
        stop.set()
        await workers
        for channel in channels.values():
            await channel.aclose()
        await db.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"{people:>6} people | {sum(counts.values()):>6} messages | peak RSS after imports "
        f"{imported:4.0f} MB, after activation {activated:4.0f} MB, at the end {peak_mb():4.0f} MB"
        f" | aiogram loaded: {'aiogram' in sys.modules} | {wall:5.0f} s, "
        f"CPU {cpu * 1000 / max(sum(counts.values()), 1):5.2f} ms/message (gross)",
        flush=True,
    )


if __name__ == "__main__":
    with peers(0.0) as peer_info:
        asyncio.run(run(int(sys.argv[1]), peer_info))
