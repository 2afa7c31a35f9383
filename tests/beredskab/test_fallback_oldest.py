"""The fallback loop's oldest candidate (``DeliveryLookups.next_fallback``): the same rows as
``overdue_for_fallback`` hands over, found by index seeks on ``ix_deliveries_fallback``
(migration 0030), not by reading a large send's queued rows (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert

from beredskab.delivery.outbox.messages import RECEIPT_CHANNELS
from beredskab.storage import Database
from beredskab.storage.tables import deliveries
from notifier.types import ChannelKind, DeliveryStatus

T0 = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
LARGE = 20_000
"""A resident send's queued rows, none with a fallback."""


def _row(n: int, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "incident_id": None,
        "person_id": f"r{n}",
        "channel": "sms",
        "address": f"+452{n:07d}",
        "template": "resident_information",
        "subject": "",
        "text": "Vandet er afbrudt i zone 2.",
        "short_text": "Vandet er afbrudt i zone 2.",
        "status": "queued",
        "attempts": 0,
        "next_attempt_at": T0,
        "created_at": T0 + timedelta(seconds=n),
        "updated_at": T0,
        "policy": "all",
        "alternates": "",
        "fell_back": False,
    }
    return values | extra


def _fallback(n: int, **extra: Any) -> dict[str, Any]:
    return _row(n, policy="fallback", alternates="email alma@example.org") | extra


async def _insert(db: Database, rows: list[dict[str, Any]]) -> None:
    async with db.engine.begin() as conn:
        for start in range(0, len(rows), 1000):
            await conn.execute(insert(deliveries), rows[start : start + 1000])


async def _oldest(db: Database) -> datetime | None:
    async with db.read() as tx:
        return await tx.deliveries.next_fallback(receipt_channels=RECEIPT_CHANNELS)


@contextmanager
def _statements(db: Database) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        seen.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


@pytest.mark.parametrize(
    ("row", "counts"),
    [
        (_fallback(1), True),
        (_fallback(1, status=DeliveryStatus.SENDING.value, channel="email"), True),
        (_fallback(1, status=DeliveryStatus.SENT.value), True),  # SMS reports delivery
        (_fallback(1, status=DeliveryStatus.SENT.value, channel="voice"), True),
        (_fallback(1, status=DeliveryStatus.SENT.value, channel="email"), False),  # final
        (_fallback(1, status=DeliveryStatus.DELIVERED.value), False),
        (_fallback(1, status=DeliveryStatus.FAILED.value), False),
        (_fallback(1, fell_back=True), False),
        (_fallback(1, alternates=""), False),
        (_row(1), False),  # sent on every channel at once: nothing to fall back to
    ],
)
async def test_the_oldest_candidate_is_the_oldest_row_the_loop_would_hand_over(
    db: Database, row: dict[str, Any], counts: bool
) -> None:
    await _insert(db, [row, _fallback(5)])
    assert await _oldest(db) == (T0 + timedelta(seconds=1) if counts else T0 + timedelta(seconds=5))


async def test_no_candidate_is_none(db: Database) -> None:
    await _insert(db, [_row(1), _fallback(2, status=DeliveryStatus.DELIVERED.value)])
    assert await _oldest(db) is None


async def _large_send(db: Database) -> None:
    sent = [_fallback(n, status="delivered", channel="email") for n in range(LARGE // 10)]
    queued = [_row(n) for n in range(LARGE // 10, LARGE // 10 + LARGE)]
    await _insert(db, [*sent, *queued, _fallback(LARGE * 2, channel="telegram")])


async def test_beside_a_large_send_the_loop_seeks_instead_of_scanning(db: Database) -> None:
    """At 20,000 queued rows (and 2,000 delivered fallback rows), every part of the query is
    a seek on ``ix_deliveries_fallback``: no scan of the table, no sort (SQLite); PostgreSQL
    uses the same index."""
    await _large_send(db)
    with _statements(db) as seen:
        assert await _oldest(db) == T0 + timedelta(seconds=LARGE * 2)
    [(sql, parameters)] = [(q, p) for q, p in seen if "min(" in q]
    steps = await _plan(db, sql, parameters, "ix_deliveries_fallback")
    if db.dialect == "sqlite":
        searches = [s for s in steps if s.startswith("SEARCH")]
        wanted = "SEARCH deliveries USING INDEX ix_deliveries_fallback (status=? AND channel=?)"
        assert searches == [wanted] * (2 * len(ChannelKind) + len(RECEIPT_CHANNELS)), steps


async def _plan(db: Database, sql: str, parameters: Any, index: str) -> list[str]:
    """The query plan's steps of ``sql``, checked to use ``index`` and to neither scan
    ``deliveries`` nor sort (on PostgreSQL after ``ANALYZE``, so the sizes are known)."""
    async with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            plan = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)).all()
            steps = [str(row[-1]) for row in plan]
            assert any(f"USING INDEX {index}" in s for s in steps), steps
            assert not any("SCAN deliveries" in s or "TEMP B-TREE" in s for s in steps), steps
        else:
            await conn.exec_driver_sql("ANALYZE deliveries")
            plan = (await conn.exec_driver_sql(f"EXPLAIN {sql}", parameters)).all()
            steps = [str(row[0]) for row in plan]
            text = "\n".join(steps)
            assert index in text, text
            assert "Seq Scan" not in text and "Sort" not in text, text
        await conn.rollback()
    return steps


async def test_the_copies_of_one_notification_are_a_seek_beside_a_large_send(
    db: Database,
) -> None:
    """What a failed message of an all-channels notification reads before it reports the
    person unreached (``for_notification``): its copies, found by ``ix_deliveries_notification``
    (migration 0031), not by reading a 20,000-row send (it did: 50 ms per failure)."""
    rows = [_row(n, notification=f"n{n}") for n in range(LARGE)]
    rows += [_row(LARGE, notification="n7", channel="email", address="alma@example.org")]
    await _insert(db, rows)
    with _statements(db) as seen:
        async with db.read() as tx:
            copies = await tx.deliveries.for_notification("n7")
    assert sorted(c.channel.value for c in copies) == ["email", "sms"]
    [(sql, parameters)] = [(q, p) for q, p in seen if "notification" in q]
    await _plan(db, sql, parameters, "ix_deliveries_notification")
