"""The replayer: moves spooled events in order, keeps them through an outage, and does not let
one event the database refuses hold up the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from beredskab.inbound.replay import SpoolReplayer
from beredskab.inbound.spool import Spool


class Inbox:
    """Stands in for ``Inbox.store``: records events, dedupes, can be down or refuse one."""

    def __init__(self) -> None:
        self.stored: list[tuple[str, str]] = []
        self.down = False
        self.refuse: set[str] = set()

    async def store(self, source: str, provider_id: str, payload: str) -> bool:
        if self.down:
            raise ConnectionRefusedError("database down")
        if provider_id in self.refuse:
            raise ValueError("value too long for the column")
        if (source, provider_id) in self.stored:
            return False
        self.stored.append((source, provider_id))
        return True


def _spool(tmp_path: Path, *ids: str) -> Spool:
    spool = Spool(tmp_path / "spool.sqlite3")
    for provider_id in ids:
        spool.put(source="twilio-sms", provider_id=provider_id, payload="{}")
    return spool


async def test_events_move_in_order_and_replays_are_not_stored_twice(tmp_path: Path) -> None:
    inbox, moved, drained = Inbox(), [], []
    inbox.stored.append(("twilio-sms", "B"))  # reached the database after all
    spool = _spool(tmp_path, "A", "B", "C")
    replayer = SpoolReplayer(
        spool, inbox.store, moved=lambda: moved.append(1), drained=lambda: drained.append(1)
    )
    assert await replayer.drain() == 3
    assert inbox.stored == [("twilio-sms", "B"), ("twilio-sms", "A"), ("twilio-sms", "C")]
    assert (len(moved), len(drained), spool.count()) == (2, 1, 0)


async def test_an_outage_keeps_every_event_spooled(tmp_path: Path) -> None:
    inbox = Inbox()
    inbox.down = True
    spool = _spool(tmp_path, "A", "B")
    replayer = SpoolReplayer(spool, inbox.store)
    with pytest.raises(ConnectionRefusedError):
        await replayer.drain()
    assert spool.count() == 2
    inbox.down = False
    assert await replayer.drain() == 2


async def test_a_refused_event_stays_spooled_and_the_rest_move_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = Inbox()
    inbox.refuse.add("B")
    spool = _spool(tmp_path, "A", "B", "C")
    replayer = SpoolReplayer(spool, inbox.store)
    assert await replayer.drain() == 2
    assert await replayer.drain() == 0
    assert [e.provider_id for e in spool.peek()] == ["B"]
    assert len([r for r in caplog.records if "refused by the database" in r.getMessage()]) == 1
    inbox.refuse.clear()  # fixed (e.g. after an upgrade): it moves on the next pass
    assert await replayer.drain() == 1
    assert spool.count() == 0
