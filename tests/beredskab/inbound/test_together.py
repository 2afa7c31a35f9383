"""One-transaction events applied several per transaction (``inbound.together``): a bug in
one handler rolls its shared transaction back and fails alone when the events are applied
again one by one; a sender's event that needs transactions of its own keeps its place, so
the sender's later "OK" waits for it; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from beredskab.app import App
from beredskab.delivery import replies
from beredskab.inbound import inbox as inbox_module
from beredskab.plan import Plan
from beredskab.storage import Database, Tx
from tests.beredskab.inbound.test_inbox import make_app


def sms(sid: str, sender: int, body: str) -> dict[str, Any]:
    return {"MessageSid": sid, "From": f"+45203{sender:05d}", "To": "+4570201234", "Body": body}


async def outcomes(db: Database, count: int) -> list[str | None]:
    async with db.read() as tx:
        events = [await tx.inbox.get(n) for n in range(1, count + 1)]
    return [event.outcome if event else None for event in events]


async def test_a_failing_event_fails_alone_and_the_others_of_its_transaction_are_applied(
    db: Database, plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied: list[str] = []

    async def handler(app: App, tx: Tx, payloads: Sequence[dict[str, Any]]) -> list[str]:
        outcomes = []
        for payload in payloads:
            await replies.sms_reply(tx, to=payload["From"], text=payload["MessageSid"])
            if payload["Body"] == "BUG":
                raise RuntimeError("a bug in one handler")
            applied.append(payload["MessageSid"])
            outcomes.append(f"applied {payload['MessageSid']}")
        return outcomes

    monkeypatch.setattr(inbox_module, "_in_transaction", lambda *_: handler)
    app = make_app(db, plan, tmp_path)
    try:
        bodies = ["OK", "OK", "BUG", "OK", "OK"]
        for n, body in enumerate(bodies, 1):
            await app.inbox.receive(
                source="twilio-sms", provider_id=f"SM{n}", payload=sms(f"SM{n}", n, body)
            )
        assert await app.inbox.process_pending() == len(bodies)
        assert await app.inbox.process_pending() == 0
        assert await outcomes(db, 5) == [
            "applied SM1",
            "applied SM2",
            "error: RuntimeError: a bug in one handler",
            "applied SM4",
            "applied SM5",
        ]
        async with db.read() as tx:  # what the rolled-back attempt wrote is there once
            written = [
                [d.text for d in await tx.deliveries.to_address(f"+45203{n:05d}", limit=10)]
                for n in range(1, 6)
            ]
        assert written == [["SM1"], ["SM2"], [], ["SM4"], ["SM5"]]
    finally:
        app.inbox.spool.close()


async def test_a_senders_later_ok_waits_for_its_event_that_needs_its_own_transactions(
    db: Database, plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    order: list[str] = []

    async def together(app: App, tx: Tx, payloads: Sequence[dict[str, Any]]) -> list[str]:
        order.extend(payload["MessageSid"] for payload in payloads)
        return ["together"] * len(payloads)

    async def own(app: App, payload: dict[str, Any]) -> str:
        order.append(payload["MessageSid"])
        return "own"

    monkeypatch.setattr(
        inbox_module,
        "_in_transaction",
        lambda app, source, payload: together if payload["Body"] == "OK" else None,
    )
    monkeypatch.setitem(inbox_module.HANDLERS, "twilio-sms", own)  # type: ignore[index]
    app = make_app(db, plan, tmp_path)
    try:
        events = [("SM1", 1, "OK"), ("SM2", 1, "STATUS"), ("SM3", 1, "OK"), ("SM4", 2, "OK")]
        for sid, sender, body in events:
            await app.inbox.receive(
                source="twilio-sms", provider_id=sid, payload=sms(sid, sender, body)
            )
        assert await app.inbox.process_pending() == 4
        assert order.index("SM1") < order.index("SM2") < order.index("SM3")
        assert await outcomes(db, 4) == ["together", "own", "together", "together"]
    finally:
        app.inbox.spool.close()
