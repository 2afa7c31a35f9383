"""An SMS "OK" is applied, answered and marked processed in ONE transaction: a crash between
the acknowledgement and its reply loses nothing and repeats nothing, whether the applying
task is killed mid-transaction or the whole process dies (SIGKILL); on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from beredskab.delivery import replies
from beredskab.inbound.sms_texts import text
from beredskab.incident import activation, fanout
from beredskab.models import ConfirmationStatus, EntryKind
from beredskab.plan import Plan
from beredskab.storage import Database
from tests.beredskab.inbound.test_inbox import make_app
from tests.beredskab.inbound.test_many_answers import crowd, sms
from tests.e2e.service import wait_for

ROOT = Path(__file__).resolve().parents[3]
SENDER = 7
PERSON = f"crowd-{SENDER}"


async def _opened(db: Database, plan: Plan) -> int:
    opened = await activation.activate(
        db=db, plan=plan, playbook="gruppe-1", actor_id="crowd-0", channel="test"
    )
    await fanout.complete(db, plan)
    return opened.incident.id


async def _state(db: Database, nr: int) -> dict[str, Any]:
    """What the "OK" changed: confirmation, log entries, replies, the event's outcome."""
    async with db.read() as tx:
        confirmation = await tx.incidents.confirmation(nr, PERSON)
        assert confirmation is not None
        entries = [e.kind for e in await tx.log.list(nr) if e.actor == PERSON]
        sent = [
            d.text
            for d in await tx.deliveries.to_address(f"+45203{SENDER:05d}", limit=100)
            if d.template in (replies.REPLY, replies.PASSIVE)
        ]
        event = await tx.inbox.get(1)
    assert event is not None
    return {
        "status": confirmation.status,
        "entries": entries,
        "replies": sent,
        "outcome": event.outcome,
    }


async def _applied_once(db: Database, plan: Plan, data_dir: Path, nr: int) -> None:
    """The "restart": a fresh instance applies the pending event, exactly once."""
    app = make_app(db, plan, data_dir)
    applied = 0

    async def pending_applied() -> bool:  # a killed client's lock goes when the server sees it
        nonlocal applied
        applied += await app.inbox.process_pending()
        return applied > 0

    try:
        await wait_for(pending_applied, within=60)
        assert applied == 1
        assert await app.inbox.process_pending() == 0
    finally:
        app.inbox.spool.close()
    assert await _state(db, nr) == {
        "status": ConfirmationStatus.CONFIRMED,
        "entries": [EntryKind.CONFIRMED],
        "replies": [text("acked", nr=nr)],
        "outcome": f"ack: incident {nr}",
    }


async def test_a_task_killed_between_the_acknowledgement_and_its_reply_leaves_nothing_half_done(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = crowd(tmp_path)
    db = Database(db_url)
    await db.upgrade()
    try:
        nr = await _opened(db, plan)
        app = make_app(db, plan, tmp_path / "first")
        assert await app.inbox.receive(
            source="twilio-sms", provider_id="SM1", payload=sms("SM1", SENDER, "OK")
        )
        acknowledged = asyncio.Event()
        real_reply = replies.sms_replies

        async def stuck_reply(*args: Any, **kwargs: Any) -> bool:
            acknowledged.set()  # the acknowledgement and its log entry are written by now
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

        monkeypatch.setattr(replies, "sms_replies", stuck_reply)
        applying = asyncio.create_task(app.inbox.process_pending())
        await asyncio.wait_for(acknowledged.wait(), 30)
        applying.cancel()
        with pytest.raises(asyncio.CancelledError):
            await applying
        app.inbox.spool.close()
        before = await _state(db, nr)
        assert before == {
            "status": ConfirmationStatus.PENDING,
            "entries": [],
            "replies": [],
            "outcome": None,
        }
        monkeypatch.setattr(replies, "sms_replies", real_reply)
        await _applied_once(db, plan, tmp_path / "second", nr)
    finally:
        await db.dispose()


CRASHING = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from beredskab.delivery import replies
    from beredskab.plan import load_plan
    from beredskab.storage import Database
    from tests.beredskab.inbound.test_inbox import make_app

    async def main() -> None:
        url, directory, data_dir, marker = sys.argv[1:5]
        plan = load_plan(playbooks_dir=None, directory_file=Path(directory))
        db = Database(url)

        async def stuck_reply(*args, **kwargs):
            Path(marker).write_text("acknowledged, reply not queued")  # then SIGKILL
            await asyncio.Event().wait()

        replies.sms_replies = stuck_reply
        await make_app(db, plan, Path(data_dir)).inbox.process_pending()

    asyncio.run(main())
    """
)


async def test_sigkill_between_the_acknowledgement_and_its_reply_loses_and_repeats_nothing(
    db_url: str, tmp_path: Path
) -> None:
    plan = crowd(tmp_path)
    db = Database(db_url)
    await db.upgrade()
    try:
        nr = await _opened(db, plan)
        app = make_app(db, plan, tmp_path / "receiver")
        assert await app.inbox.receive(
            source="twilio-sms", provider_id="SM1", payload=sms("SM1", SENDER, "OK")
        )
        app.inbox.spool.close()
        marker = tmp_path / "acknowledged"
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CRASHING,
            db_url,
            str(tmp_path / "crowd.toml"),
            str(tmp_path / "crashing"),
            str(marker),
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            await wait_for(lambda: marker.exists() or process.returncode is not None, within=60)
            assert marker.exists(), f"the applying process ended first ({process.returncode})"
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGKILL)
            await asyncio.wait_for(process.wait(), 30)
        assert (await _state(db, nr))["status"] is ConfirmationStatus.PENDING
        await _applied_once(db, plan, tmp_path / "restarted", nr)
    finally:
        await db.dispose()
