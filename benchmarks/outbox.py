"""G3 in process: the outbox's own CPU per message, with channels that cost nothing.

Activates the bundled example plan, clones its activation messages (SMS, email, Telegram) to
``--people`` fictional people, then runs ``Outbox.run`` with instant channels until every row
is sent, and reports this process's CPU (all threads: aiosqlite's included) per message. The
channels return at once, so what is measured is claiming, the last check, building messages
and recording outcomes: the outbox's and the database driver's share of ``serve``'s CPU.

    python -m benchmarks.outbox --people 5000 --db sqlite [--profile out.pstats]
    python -m benchmarks.outbox --people 5000 --db postgresql

``--rate sms=100`` paces a channel as the shipped config would (the real benchmark's stand-ins
enforce those rates; pacing shrinks the groups outcomes are committed in).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import event

from beredskab.delivery.outbox import Outbox
from beredskab.delivery.pacing import PaceLimits
from beredskab.incident import activation
from beredskab.plan import load_plan
from beredskab.settings import OutboxSettings
from beredskab.storage import Database
from beredskab.storage.repositories.deliveries import NewDelivery
from notifier.types import ChannelKind, DeliveryStatus, Message, Receipt, Recipient

ACTIVATOR = "kim-holm"
KINDS = (ChannelKind.SMS, ChannelKind.EMAIL, ChannelKind.TELEGRAM)


class Instant:
    """A channel that accepts every message at once (counts them)."""

    name: ClassVar[str] = "instant"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset(ChannelKind)

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        self.sent += 1
        return Receipt(provider_id=f"p-{message.key}")

    async def aclose(self) -> None:
        return None


@contextlib.contextmanager
def database_url(kind: str) -> Iterator[str]:
    """A fresh database of ``kind`` (a throwaway PostgreSQL cluster for ``postgresql``)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite+aiosqlite:///{folder}/outbox.sqlite3"
        return
    from tests.postgres import cluster, create_database

    with cluster(durable=True) as server:
        create_database(server, "outbox")
        yield f"{server}/outbox"


async def seed(db: Database, people: int) -> int:
    """Activate the example plan and queue its messages to ``people`` more people; returns
    the number of rows queued in all."""
    plan = load_plan(playbooks_dir=None, directory_file=None)
    result = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=ACTIVATOR, channel="cli", police_case="1-1"
    )
    nr = result.incident.id
    async with db.read() as tx:
        rows = await tx.deliveries.for_incident(nr)
    models = {d.channel: d for d in rows if d.channel in KINDS}
    models.setdefault(ChannelKind.TELEGRAM, models[ChannelKind.SMS])  # nobody bound a chat
    for start in range(0, people, 500):
        items = [
            NewDelivery(
                incident_id=nr,
                person_id=f"bench-{i}",
                channel=kind,
                address=_address(kind, i),
                template=model.template,
                subject=model.subject,
                text=model.text,
                short_text=model.short_text,
                notification=f"bench-{i}-{kind.value}",
                policy=model.policy,
                alternates=model.alternates,
                actions=model.actions,
                language=model.language,
            )
            for i in range(start, min(people, start + 500))
            for kind, model in models.items()
        ]
        async with db.transaction() as tx:
            await tx.deliveries.enqueue(items, now=tx.now)
    async with db.read() as tx:
        return await tx.deliveries.open_count()


def _address(kind: ChannelKind, i: int) -> str:
    if kind is ChannelKind.SMS:
        return f"+45203{i:05d}"
    return str(10_000 + i) if kind is ChannelKind.TELEGRAM else f"bench-{i}@example.org"


async def deliver(
    db: Database,
    total: int,
    pacing: dict[ChannelKind, PaceLimits],
    settings: dict[str, str],
) -> float:
    """Run the outbox until nothing is open; returns the wall seconds."""
    channel = Instant()
    outbox = Outbox(
        db=db,
        channels={kind: channel for kind in ChannelKind},
        settings=OutboxSettings(**settings),
        pacing=pacing,
    )
    stop = asyncio.Event()
    start = time.monotonic()
    runner = asyncio.create_task(outbox.run(stop))
    while True:
        await asyncio.sleep(0.2)
        async with db.read() as tx:
            if not await tx.deliveries.open_count():
                break
    elapsed = time.monotonic() - start
    stop.set()
    await runner
    assert channel.sent >= total, (channel.sent, total)
    return elapsed


async def main(args: argparse.Namespace) -> None:
    pacing = {
        ChannelKind(kind): PaceLimits(rate_per_second=float(rate))
        for kind, rate in (item.split("=") for item in args.rate)
    }
    with database_url(args.db) as url:
        db = Database(url)
        await db.upgrade()
        total = await seed(db, args.people)
        counts = _count_statements(db)
        profiler = cProfile.Profile() if args.profile else None
        spy = _py_spy(args.py_spy) if args.py_spy else None
        cpu, main_cpu = time.process_time(), time.thread_time()
        if profiler:
            profiler.enable()
        wall = await deliver(db, total, pacing, dict(item.split("=") for item in args.set))
        if profiler:
            profiler.disable()
        cpu, main_cpu = time.process_time() - cpu, time.thread_time() - main_cpu
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        statements = dict(counts)
        async with db.read() as tx:
            by_state = await tx.deliveries.channel_counts(1)
        await db.dispose()
    sent = sum(n for (_, status), n in by_state.items() if status is DeliveryStatus.SENT)
    print(
        f"{args.db}: {total} messages ({sent} sent) in {wall:.2f} s wall, {cpu:.2f} s CPU: "
        f"{cpu / total * 1000:.3f} ms/message, of which the event loop's thread "
        f"{main_cpu / total * 1000:.3f} and the driver's threads (aiosqlite: SQLite's C code) "
        f"{(cpu - main_cpu) / total * 1000:.3f}; load {os.getloadavg()}"
    )
    per = {k: round(v / total, 3) for k, v in sorted(statements.items())}
    print(f"statements per message (the harness's own 0.2 s polls included): {per}")
    if profiler:
        profiler.dump_stats(args.profile)
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(args.top)


def _count_statements(db: Database) -> Counter[str]:
    """Statements sent to the driver from now on, by their first word (BEGIN, COMMIT and
    ROLLBACK included; an ``executemany`` counts once), and ``PING`` for each pool pre-ping
    (on PostgreSQL three round trips: BEGIN, ``;``, ROLLBACK)."""
    counts: Counter[str] = Counter()

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        counts[sql.split(None, 1)[0].upper()] += 1

    def begin(_conn: Any) -> None:
        counts["BEGIN"] += 1

    def commit(_conn: Any) -> None:
        counts["COMMIT"] += 1

    def rollback(_conn: Any) -> None:
        counts["ROLLBACK"] += 1

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", statement)
    if db.dialect == "postgresql":
        event.listen(engine, "begin", begin)
    event.listen(engine, "commit", commit)
    event.listen(engine, "rollback", rollback)
    ping = engine.dialect.do_ping

    def counted_ping(dbapi_connection: Any) -> bool:
        counts["PING"] += 1
        return bool(ping(dbapi_connection))

    engine.dialect.do_ping = counted_ping  # type: ignore[method-assign]
    return counts


def _py_spy(out: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling this process (all threads, CPU only) into ``out`` (collapsed stacks)."""
    command = [str(Path(sys.executable).with_name("py-spy")), "record", "--format", "raw"]
    command += ["--rate", "250", "--threads", "-o", str(out), "--pid", str(os.getpid())]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # attached before the work starts
    return spy


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rate", action="append", default=[], help="KIND=PER_SECOND")
    parser.add_argument("--set", action="append", default=[], help="[outbox] KEY=VALUE")
    parser.add_argument("--profile", type=Path, help="write a cProfile to this file")
    parser.add_argument("--py-spy", type=Path, help="write py-spy's collapsed stacks here")
    parser.add_argument("--top", type=int, default=40)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
