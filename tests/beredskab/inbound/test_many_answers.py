"""Many people answering at once through the inbox: everyone confirmed exactly once, each
sender's messages applied in the order they arrived while the others interleave, replays
stored once; on SQLite and PostgreSQL (there with two instances applying at once)."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from sqlalchemy import event

from beredskab.app import App
from beredskab.inbound.sms_texts import text
from beredskab.incident import activation, fanout
from beredskab.models import ConfirmationStatus, EntryKind
from beredskab.plan import Plan, load_plan
from beredskab.storage import Database
from tests.beredskab.inbound.test_inbox import make_app

PEOPLE = 60
CHANGING = 10
"""The first senders write "OK" and then "NEJ": applied in that order, the "NEJ" finds
nothing open any more (the other way round they would stay declined)."""


def crowd(tmp_path: Path) -> Plan:
    """The bundled plan with ``PEOPLE`` extra fictional SSP members who have a phone."""
    example = (files("contacts") / "examples" / "fredericia.toml").read_text(encoding="utf-8")
    example = re.sub(r"^example = true", "example = false", example, flags=re.MULTILINE)
    extra = "".join(
        f'\n[[people]]\nid = "crowd-{i}"\nname = "Fiktiv Person {i}"\nroles = ["ssp"]\n'
        f'phone = "+45203{i:05d}"\n'
        for i in range(PEOPLE)
    )
    path = tmp_path / "crowd.toml"
    path.write_text(example + extra, encoding="utf-8")
    return load_plan(playbooks_dir=None, directory_file=path)


def sms(sid: str, sender: int, body: str) -> dict[str, Any]:
    return {"MessageSid": sid, "From": f"+45203{sender:05d}", "To": "+4570201234", "Body": body}


async def test_many_answers_at_once_are_applied_once_each_in_order_per_sender(
    db_url: str, tmp_path: Path
) -> None:
    plan = crowd(tmp_path)
    first = Database(db_url)
    await first.upgrade()
    databases = [first] + ([Database(db_url)] if db_url.startswith("postgresql") else [])
    apps = [make_app(db, plan, tmp_path / f"app{n}") for n, db in enumerate(databases)]
    try:
        opened = await activation.activate(
            db=first, plan=plan, playbook="gruppe-1", actor_id="crowd-0", channel="test"
        )
        nr = opened.incident.id
        await fanout.complete(first, plan)  # everyone asked, as serve's fan-out runner would
        # Everyone's "OK"; the changing senders' "NEJ" right behind their own "OK".
        order = [(f"SMO{i}", i, "OK") for i in range(1, PEOPLE)]
        for i in range(CHANGING, 0, -1):
            order.insert(i + 1, (f"SMN{i}", i, "NEJ"))
        for n, (sid, sender, body) in enumerate(order):
            app = apps[n % len(apps)]
            assert await app.inbox.receive(
                source="twilio-sms", provider_id=sid, payload=sms(sid, sender, body)
            )
        replayed = order[:5]  # Twilio retries some: stored once
        for sid, sender, body in replayed:
            assert not await apps[-1].inbox.receive(
                source="twilio-sms", provider_id=sid, payload=sms(sid, sender, body)
            )

        while sum(await asyncio.gather(*(app.inbox.process_pending() for app in apps))):
            pass

        async with first.transaction() as tx:
            assert not await tx.inbox.pending()
            confirmations = await tx.incidents.confirmations(nr)
            log = await tx.log.list(nr)
            outcomes = [
                (event.provider_id, event.outcome)
                for event in [await tx.inbox.get(n) for n in range(1, len(order) + 1)]
                if event is not None
            ]
            replies = {
                i: [
                    d.text
                    for d in await tx.deliveries.to_address(f"+45203{i:05d}", limit=100)
                    if d.template in ("reply", "reply-passive")
                ]
                for i in range(1, PEOPLE)
            }
        assert len(outcomes) == len(order)
        crowd_status = {c.person_id: c.status for c in confirmations if "crowd" in c.person_id}
        assert crowd_status == dict.fromkeys(
            (f"crowd-{i}" for i in range(PEOPLE)), ConfirmationStatus.CONFIRMED
        )
        confirmed = Counter(e.actor for e in log if e.kind is EntryKind.CONFIRMED)
        assert {f"crowd-{i}": 1 for i in range(1, PEOPLE)}.items() <= confirmed.items()
        acked = text("acked", nr=nr)
        for i in range(1, PEOPLE):
            person = f"crowd-{i}"
            kinds = [e.kind for e in log if e.actor == person]
            assert kinds == [EntryKind.CONFIRMED], (person, kinds)
            if i <= CHANGING:  # "OK" applied before "NEJ", as sent
                assert replies[i] == [acked, text("nothing_to_confirm")], replies[i]
                assert dict(outcomes)[f"SMN{i}"] == "decline: nothing open"
            else:
                assert replies[i] == [acked]
            assert dict(outcomes)[f"SMO{i}"] == f"ack: incident {nr}"
        seqs = [e.seq for e in log]
        assert seqs == list(range(1, len(log) + 1))  # one chain, no fork, no gap
    finally:
        for app in apps:
            app.inbox.spool.close()
        for db in databases:
            await db.dispose()


@asynccontextmanager
async def activated(db_url: str, tmp_path: Path) -> AsyncIterator[tuple[App, Database, int]]:
    """The crowd's gruppe-1 activated and everyone asked: the app, its database, the
    incident."""
    plan = crowd(tmp_path)
    db = Database(db_url)
    await db.upgrade()
    app = make_app(db, plan, tmp_path / "app")
    try:
        opened = await activation.activate(
            db=db, plan=plan, playbook="gruppe-1", actor_id="crowd-0", channel="test"
        )
        await fanout.complete(db, plan)
        yield app, db, opened.incident.id
    finally:
        app.inbox.spool.close()
        await db.dispose()


async def test_a_run_of_oks_takes_a_few_statements_for_the_lot_however_long(
    db_url: str, tmp_path: Path
) -> None:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    async with activated(db_url, tmp_path) as (app, db, nr):

        async def applied(senders: range) -> int:
            """Statements to apply an "OK" from each of ``senders``, stored first."""
            for i in senders:
                sid = f"SMR{i}"
                payload = sms(sid, i, "OK")
                await app.inbox.receive(source="twilio-sms", provider_id=sid, payload=payload)
            statements.clear()
            event.listen(db.engine.sync_engine, "before_cursor_execute", count)
            try:
                assert await app.inbox.process_pending() == len(senders)
            finally:
                event.remove(db.engine.sync_engine, "before_cursor_execute", count)
            return len(statements)

        few = await applied(range(1, 11))
        many = await applied(range(11, 41))
        assert many == few  # the 20 more "OK"s are looked up and confirmed with the rest
        async with db.read() as tx:
            confirmations = {c.person_id: c for c in await tx.incidents.confirmations(nr)}
            log = await tx.log.list(nr)
            answered = {
                i: await tx.deliveries.to_address(f"+45203{i:05d}", limit=5) for i in range(1, 41)
            }
    for i in range(1, 41):
        assert confirmations[f"crowd-{i}"].status is ConfirmationStatus.CONFIRMED
        assert [e.kind for e in log if e.actor == f"crowd-{i}"] == [EntryKind.CONFIRMED]
        replies = [d.text for d in answered[i] if d.template == "reply"]
        assert replies == [text("acked", nr=nr)]


async def test_a_second_ok_in_a_run_finds_what_the_first_confirmed(
    db_url: str, tmp_path: Path
) -> None:
    async with activated(db_url, tmp_path) as (app, db, nr):
        for sid, sender in [("SMA", 1), ("SMB", 2), ("SMC", 1), ("SMD", 3)]:
            await app.inbox.receive(
                source="twilio-sms", provider_id=sid, payload=sms(sid, sender, "OK")
            )
        assert await app.inbox.process_pending() == 4
        async with db.read() as tx:
            log = await tx.log.list(nr)
            sent = await tx.deliveries.to_address("+4520300001", limit=5)
    assert [e.kind for e in log if e.actor == "crowd-1"] == [EntryKind.CONFIRMED]
    replies = [d.text for d in sorted(sent, key=lambda d: d.id) if d.template != "activation"]
    assert replies == [text("acked", nr=nr), text("nothing_to_confirm")]  # as sent


async def test_oks_in_a_run_confirm_the_newest_open_request_then_the_next(
    db_url: str, tmp_path: Path
) -> None:
    """Two incidents ask the crowd: a sender's two "OK"s in one run confirm the newer one,
    then the older; a "NEJ" between another sender's "OK"s is applied in its turn, and the
    "OK" after it sees what it wrote."""
    async with activated(db_url, tmp_path) as (app, db, first):
        opened = await activation.activate(
            db=db,
            plan=app.plan,
            playbook="gruppe-2",
            actor_id="maria-friis",
            channel="test",
            police_case="3700-1",
        )
        await fanout.complete(db, app.plan)
        second = opened.incident.id
        messages = [("SMA", 1, "OK"), ("SMB", 2, "NEJ"), ("SMC", 1, "OK"), ("SMD", 2, "OK")]
        messages += [("SME", 3, "OK"), ("SMF", 1, "OK")]
        for sid, sender, body in messages:
            await app.inbox.receive(
                source="twilio-sms", provider_id=sid, payload=sms(sid, sender, body)
            )
        assert await app.inbox.process_pending() == len(messages)
        async with db.read() as tx:
            status = {
                (nr, c.person_id): c.status
                for nr in (first, second)
                for c in await tx.incidents.confirmations(nr)
            }
            sent = {
                i: await tx.deliveries.to_address(f"+45203{i:05d}", limit=10) for i in (1, 2, 3)
            }
    assert status[(second, "crowd-1")] is ConfirmationStatus.CONFIRMED
    assert status[(first, "crowd-1")] is ConfirmationStatus.CONFIRMED
    assert status[(second, "crowd-2")] is ConfirmationStatus.DECLINED
    assert status[(first, "crowd-2")] is ConfirmationStatus.CONFIRMED
    assert status[(second, "crowd-3")] is ConfirmationStatus.CONFIRMED
    assert status[(first, "crowd-3")] is ConfirmationStatus.PENDING

    def replies(i: int) -> list[str]:
        answers = [d for d in sent[i] if d.template in ("reply", "reply-passive")]
        return [d.text for d in sorted(answers, key=lambda d: d.id)]

    assert replies(1) == [
        text("acked", nr=second),
        text("acked", nr=first),
        text("nothing_to_confirm"),
    ]
    assert replies(3) == [text("acked", nr=second)]
