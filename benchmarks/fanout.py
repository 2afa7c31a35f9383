"""Fan-out benchmark: activation of a large playbook through all three real channels.

Synthetic directories (default 200 and 5,000 people, each with SMS, email and Telegram) are
activated against the local peers — Prism for Twilio, aiosmtpd, the fake Telegram Bot API —
each with injected provider latency, under the outbox's own pacing. It prints:

- activation → first provider request, p50 / p99 over repeated activations;
- completion time divided by the ideal bound: max over channels of messages / rate, plus
  one provider latency;
- dispatcher CPU milliseconds per message (this process only; the peers run elsewhere);
- peak RSS of this process.

Run from the repository root after `scripts/test` has installed everything:

    .venv/bin/python -m benchmarks.fanout [--sizes 200,5000] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

from twilio.http.response import Response

from beredskab import activation, standdown
from beredskab.outbox import Outbox
from beredskab.pacing import PaceLimits
from beredskab.plan import Plan, load_plan
from beredskab.settings import OutboxSettings
from beredskab.storage import Database
from notifier.base import Channel
from notifier.channels.email import SmtpConfig, SmtpEmailChannel
from notifier.channels.sms import TwilioConfig, TwilioHttpClient, TwilioSmsChannel
from notifier.channels.telegram import TelegramChannel
from notifier.pool import ChannelPool
from notifier.types import ChannelKind, DeliveryStatus
from tests.peers import twilio as twilio_peer
from tests.peers.smtp import PASSWORD, USERNAME

SMS_RATE = 100.0  # a messaging service; a single long code is 1/s
TELEGRAM_RATE = 30.0
SMTP_CONNECTIONS = 10
ROOT = Path(__file__).resolve().parents[1]


class Stamp:
    """When the first provider request of the current activation left this process."""

    first: float | None = None
    seen: asyncio.Event | None = None

    @classmethod
    def reset(cls) -> None:
        cls.first, cls.seen = None, asyncio.Event()

    @classmethod
    def hit(cls) -> None:
        if cls.first is None:
            cls.first = time.perf_counter()
            if cls.seen is not None:
                cls.seen.set()


class SlowTwilio(TwilioHttpClient):
    """The twilio library's client pointed at Prism, adding the provider latency."""

    def __init__(self, base_url: str, latency: float) -> None:
        super().__init__(base_url=base_url)
        self.latency = latency

    async def request(self, *args: object, **kwargs: object) -> Response:  # type: ignore[override]
        Stamp.hit()
        await asyncio.sleep(self.latency)
        response: Response = await super().request(*args, **kwargs)
        return response


class Stamped:
    """Wraps a channel to stamp the first send."""

    def __init__(self, inner: Channel) -> None:
        self.inner = inner
        self.name = inner.name
        self.kinds = inner.kinds

    async def send(self, recipient, message):  # type: ignore[no-untyped-def]
        Stamp.hit()
        return await self.inner.send(recipient, message)

    async def aclose(self) -> None:
        await self.inner.aclose()


def synthetic_directory(people: int, folder: Path) -> Path:
    """The bundled example plus ``people`` fictional SSP members with every channel."""
    text = (files("contacts") / "examples" / "fredericia.toml").read_text(encoding="utf-8")
    text = re.sub(r"^example = true", "example = false", text, flags=re.MULTILINE)
    extra = []
    for i in range(people):
        extra.append(
            f'\n[[people]]\nid = "bench-{i}"\nname = "Fiktiv Person {i}"\nroles = ["ssp"]\n'
            f'phone = "+45203{i:05d}"\nemail = "bench-{i}@example.org"\n'
        )
    path = folder / f"bench-{people}.toml"
    path.write_text(text + "".join(extra), encoding="utf-8")
    return path


@contextmanager
def peers(latency: float) -> Iterator[dict[str, str]]:
    """Prism (Node) and the SMTP/Telegram peers (a Python process), both outside this one."""
    prism_dir = Path(tempfile.mkdtemp(prefix="bench-prism-"))
    port = twilio_peer._free_port()
    prism = subprocess.Popen(
        [str(twilio_peer.PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(twilio_peer.SPEC)],
        cwd=ROOT,
        stdout=(prism_dir / "log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    other = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.peers", str(latency)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None
        info = json.loads(other.stdout.readline())
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while not twilio_peer._is_our_prism(base):
            if time.monotonic() > deadline or prism.poll() is not None:
                raise RuntimeError("Prism did not start; run `npm ci --ignore-scripts`")
            time.sleep(0.2)  # waiting for an external process in a benchmark, not a test
        yield {**info, "prism_url": base}
    finally:
        if other.stdin:
            other.stdin.close()
        if other.stdout:
            print(f"peers received: {other.stdout.read().strip()}")
        other.wait(timeout=30)
        prism.terminate()
        prism.wait(timeout=30)
        shutil.rmtree(prism_dir, ignore_errors=True)


def channels(info: dict[str, str], latency: float) -> dict[ChannelKind, Channel]:
    """The three real channels pointed at the local peers."""
    twilio = TwilioConfig(
        account_sid=twilio_peer.ACCOUNT_SID,
        auth_token=twilio_peer.AUTH_TOKEN,
        messaging_service_sid=twilio_peer.SERVICE_SID,
        status_callback_base="http://127.0.0.1:8080",
    )
    smtp = SmtpConfig(
        host="127.0.0.1",
        port=int(info["smtp_port"]),
        from_address="beredskab@example.org",
        username=USERNAME,
        password=PASSWORD,
        ca_file=Path(info["ca_file"]),
    )
    return {
        ChannelKind.SMS: TwilioSmsChannel(
            twilio, http_client=SlowTwilio(info["prism_url"], latency)
        ),
        ChannelKind.EMAIL: Stamped(
            ChannelPool([SmtpEmailChannel(smtp) for _ in range(SMTP_CONNECTIONS)])
        ),
        ChannelKind.TELEGRAM: Stamped(
            TelegramChannel.from_token(info["telegram_token"], api_base_url=info["telegram_url"])
        ),
    }


PACING = {
    ChannelKind.SMS: PaceLimits(rate_per_second=SMS_RATE, concurrency=64),
    ChannelKind.EMAIL: PaceLimits(concurrency=SMTP_CONNECTIONS),
    ChannelKind.TELEGRAM: PaceLimits(
        rate_per_second=TELEGRAM_RATE, per_address_per_second=1, concurrency=64
    ),
}


async def run_size(people: int, info: dict[str, str], latency: float, repeats: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    plan: Plan = load_plan(playbooks_dir=None, directory_file=synthetic_directory(people, folder))
    db = Database(f"sqlite+aiosqlite:///{folder}/bench.sqlite3")
    await db.upgrade()
    async with db.transaction() as tx:
        for i, person in enumerate(plan.directory.people):
            await tx.people.link_telegram(
                person.id, user_id=10_000 + i, chat_id=10_000 + i, now=tx.now
            )
    outbox = Outbox(
        db=db,
        channels=channels(info, latency),
        settings=OutboxSettings(workers=2, batch_size=500, lease_seconds=120, poll_seconds=0.05),
        pacing=PACING,
    )
    stop = asyncio.Event()
    workers = asyncio.create_task(outbox.run(stop))
    chief = "maria-friis"
    firsts: list[float] = []
    after_commit: list[float] = []
    completion = ratio = cpu_ms = 0.0
    messages = 0
    try:
        for round_no in range(repeats + 1):
            full = round_no == repeats  # the last round runs the whole fan-out to the end
            Stamp.reset()
            assert Stamp.seen is not None
            cpu0, t0 = time.process_time(), time.perf_counter()
            result = await activation.activate(
                db=db,
                plan=plan,
                playbook="gruppe-1",
                actor_id=chief,
                channel="bench",
                description=f"Benchmark {round_no}",
            )
            committed = time.perf_counter()
            outbox.wake()
            await Stamp.seen.wait()
            assert Stamp.first is not None
            firsts.append((Stamp.first - t0) * 1000)
            after_commit.append((Stamp.first - committed) * 1000)
            if full:
                counts = await _wait_done(db, result.incident.id)
                completion = time.perf_counter() - t0
                cpu_ms = (time.process_time() - cpu0) * 1000
                messages = sum(counts.values())
                ideal = (
                    max(
                        counts.get(ChannelKind.SMS, 0) / SMS_RATE,
                        counts.get(ChannelKind.TELEGRAM, 0) / TELEGRAM_RATE,
                        counts.get(ChannelKind.EMAIL, 0) * latency / SMTP_CONNECTIONS,
                    )
                    + latency
                )
                ratio = completion / ideal
            else:
                await _expire_queued(db, result.incident.id)
            await standdown.close(
                db=db, plan=plan, incident_id=result.incident.id, actor_id=chief, channel="bench"
            )
            await _expire_queued(db, result.incident.id)  # the stand-downs are not measured
            await _wait_done(db, result.incident.id)
    finally:
        stop.set()
        await workers
        for channel in {id(c): c for c in outbox._channels.values()}.values():
            await channel.aclose()
        await db.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{people:>6} people | {messages:>6} messages | first request p50/p99 "
        f"{_p(firsts, 50):6.1f}/{_p(firsts, 99):6.1f} ms after activation "
        f"({_p(after_commit, 50):5.1f}/{_p(after_commit, 99):5.1f} ms after its commit) | "
        f"completion {completion:6.1f} s = {ratio:5.3f} × ideal | "
        f"CPU {cpu_ms / max(messages, 1):5.2f} ms/message | peak RSS {rss_mb:4.0f} MB"
    )


def _p(values: list[float], percentile: int) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percentile - 1]


async def _expire_queued(db: Database, incident_id: int) -> None:
    """Benchmark housekeeping: drop what a latency-only round left queued."""
    async with db.transaction() as tx:
        await tx.deliveries.expire_queued(incident_id, now=tx.now)


async def _wait_done(db: Database, incident_id: int) -> dict[ChannelKind, int]:
    """Wait until no message of the incident is queued or in flight; counts per channel.

    One cheap GROUP BY a second, so the harness adds next to nothing to the CPU figure.
    """
    while True:
        async with db.transaction() as tx:
            counts = await tx.deliveries.channel_counts(incident_id)
        if not any(status in _OPEN for _, status in counts):
            per_channel: dict[ChannelKind, int] = {}
            for (channel, _), n in counts.items():
                per_channel[channel] = per_channel.get(channel, 0) + n
            return per_channel
        await asyncio.sleep(1.0)


_OPEN = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="200,5000")
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    print(
        f"provider latency {args.latency * 1000:.0f} ms; pacing: SMS {SMS_RATE:.0f}/s, "
        f"Telegram {TELEGRAM_RATE:.0f}/s (1/s per chat), SMTP {SMTP_CONNECTIONS} connections"
    )
    with peers(args.latency) as info:
        for size in (int(s) for s in args.sizes.split(",")):
            asyncio.run(run_size(size, info, args.latency, args.repeats))


if __name__ == "__main__":
    main()
