"""The inbound spool: durable (fsync'd), keyed like the inbox, oldest first, opened lazily."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from beredskab.inbound.spool import Spool


def test_spool_keeps_events_across_reopen_and_dedupes_by_provider_id(tmp_path: Path) -> None:
    path = tmp_path / "var" / "spool.sqlite3"
    spool = Spool(path)
    assert spool.count() == 0 and spool.peek() == []
    assert not path.exists()  # nothing spooled, no file
    assert spool.put(source="twilio-sms", provider_id="SM1", payload='{"Body": "OK"}')
    assert spool.put(source="telegram", provider_id="7", payload='{"update_id": 7}')
    assert not spool.put(source="twilio-sms", provider_id="SM1", payload='{"Body": "OK"}')
    assert spool.put(source="twilio-status", provider_id="SM1", payload="{}")  # other source
    spool.close()

    reopened = Spool(path)  # as after a crash: what was spooled is still there, in order
    events = reopened.peek()
    assert [(e.source, e.provider_id) for e in events] == [
        ("twilio-sms", "SM1"),
        ("telegram", "7"),
        ("twilio-status", "SM1"),
    ]
    assert events[0].payload == '{"Body": "OK"}'
    reopened.remove(events[0].id)
    assert reopened.count() == 2
    assert [e.provider_id for e in reopened.peek(limit=1)] == ["7"]


def test_spool_writes_are_fsynced(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.sqlite3")
    spool.put(source="telegram", provider_id="1", payload="{}")
    conn = spool._connection()
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    spool.close()
    with sqlite3.connect(tmp_path / "spool.sqlite3") as other:  # visible to another process
        assert other.execute("SELECT count(*) FROM spooled").fetchone()[0] == 1


async def test_async_calls_run_off_the_loop(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.sqlite3")
    assert await spool.aput(source="telegram", provider_id="1", payload="{}")
    assert not await spool.aput(source="telegram", provider_id="1", payload="{}")
    [event] = await spool.apeek()
    assert await spool.acount() == 1
    await spool.aremove(event.id)
    assert await spool.acount() == 0
