"""Statements per inbound reply: SQL statements that applying replies runs, counted with a
``before_cursor_execute`` listener (no HTTP, no outbox): ``N`` SMS "OK" through the inbox
(stored by the group commit, applied by ``Inbox.process_pending``), then ``N`` answers through
email acknowledgement links gathered like concurrent POSTs (``inbound.link_batch``).

    .venv/bin/python -m benchmarks.inbound_statements [--people 100] [--db sqlite,postgresql]

prints statements per reply for each phase (storing, applying, link answers) with the kinds
of statement, and this process's CPU time per reply while applying (both threads: the event
loop and aiosqlite's; the database server's own CPU on PostgreSQL is not in it).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from importlib.resources import files
from pathlib import Path
from typing import Any

from sqlalchemy import event

from benchmarks.service import database_url
from beredskab.boundary.action_tokens import Use
from beredskab.delivery.links import ACTION, LinkSigner
from beredskab.inbound.link_batch import LinkAnswers
from beredskab.incident import activation, fanout
from beredskab.models import ConfirmationStatus
from beredskab.plan import Plan, load_plan
from beredskab.storage import Database
from notifier.types import ChannelKind
from tests.beredskab.inbound.test_inbox import make_app


def crowd(root: Path, people: int) -> Plan:
    """The bundled plan with ``people`` fictional SSP members with a phone and an email."""
    example = (files("contacts") / "examples" / "fredericia.toml").read_text(encoding="utf-8")
    example = re.sub(r"^example = true", "example = false", example, flags=re.MULTILINE)
    extra = "".join(
        f'\n[[people]]\nid = "crowd-{i}"\nname = "Fiktiv Person {i}"\nroles = ["ssp"]\n'
        f'phone = "+45203{i:05d}"\nemail = "crowd-{i}@example.dk"\n'
        for i in range(people)
    )
    path = root / "crowd.toml"
    path.write_text(example + extra, encoding="utf-8")
    return load_plan(playbooks_dir=None, directory_file=path)


class Counting:
    """Statements seen on an engine, by their first words."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        words = " ".join(statement.split()[:4])
        self.seen[words[:60]] += 1

    def take(self) -> Counter[str]:
        seen, self.seen = self.seen, Counter()
        return seen


async def run(url: str, people: int, root: Path) -> None:
    plan = crowd(root, people)
    db = Database(url)
    await db.upgrade()
    app = make_app(db, plan, root / "app")
    counting = Counting()
    try:
        opened = await activation.activate(
            db=db, plan=plan, playbook="gruppe-1", actor_id="crowd-0", channel="test"
        )
        nr = opened.incident.id
        await fanout.complete(db, plan)
        async with db.read() as tx:
            rows = await tx.deliveries.for_incident(nr)
        emails = {
            d.person_id: d.id
            for d in rows
            if d.channel is ChannelKind.EMAIL and d.template == "activation"
        }
        half = people // 2
        sms_people = range(1, half)
        link_people = [p for p in range(half, people) if f"crowd-{p}" in emails]
        event.listen(db.engine.sync_engine, "before_cursor_execute", counting)
        await asyncio.gather(
            *(
                app.inbox.receive(
                    source="twilio-sms",
                    provider_id=f"SM{i}",
                    payload={"MessageSid": f"SM{i}", "From": f"+45203{i:05d}", "Body": "OK"},
                )
                for i in sms_people
            )
        )
        stored = counting.take()
        began = time.process_time()
        while await app.inbox.process_pending():
            pass
        cpu = {"SMS applied": time.process_time() - began}
        applied = counting.take()
        signer = LinkSigner.random()
        answers = LinkAnswers(db)
        refs = [signer.actions.token(Use.LINK, emails[f"crowd-{p}"], ACTION) for p in link_people]
        began = time.process_time()
        await asyncio.gather(
            *(answers.answer(plan=plan, signer=signer, signed=r, hours=24) for r in refs)
        )
        cpu["link answered"] = time.process_time() - began
        linked = counting.take()
        async with db.read() as tx:
            done = sum(
                c.status is ConfirmationStatus.CONFIRMED
                for c in await tx.incidents.confirmations(nr)
                if c.person_id.startswith("crowd-") and c.person_id != "crowd-0"
            )
        n_sms, n_link = len(sms_people), len(link_people)
        assert done == n_sms + n_link, (done, n_sms, n_link)
        dialect = url.split(":")[0].split("+")[0]
        for name, seen, n in (
            ("SMS stored", stored, n_sms),
            ("SMS applied", applied, n_sms),
            ("link answered", linked, n_link),
        ):
            total = sum(seen.values())
            spent = f", {1000 * cpu[name] / n:.2f} ms CPU" if name in cpu else ""
            print(f"{dialect:<10} {name:<14} {total / n:5.2f} statements per reply ({n}){spent}")
            for words, count in seen.most_common():
                print(f"{'':<12}{count / n:6.2f}  {words}")
    finally:
        app.inbox.spool.close()
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--db", default="sqlite")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        for db in args.db.split(","):
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="g5-count-")))
            url = database_url(stack, db, "g5count") or f"sqlite+aiosqlite:///{root / 'db.sqlite'}"
            asyncio.run(run(url, args.people, root))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
