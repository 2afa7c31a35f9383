"""Group commit: webhooks arriving together share one transaction; each caller learns
whether its event was new; one bad event fails alone; a database outage fails the group."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence

import pytest

from beredskab.inbound.batch import Event, GroupCommit


class FakeInbox:
    """Stores events like the inbox: unique by (source, provider id); ``BAD`` is refused."""

    def __init__(self) -> None:
        self.keys: set[tuple[str, str]] = set()
        self.transactions: list[int] = []
        self.down = False

    async def write(self, events: Sequence[Event]) -> set[tuple[str, str]]:
        await asyncio.sleep(0)  # the database takes a moment: others gather meanwhile
        if self.down:
            raise sqlite3.OperationalError("database is locked")
        if any(payload == "BAD" for _, _, payload in events):
            raise ValueError("refused")  # not an outage: the group is retried one by one
        self.transactions.append(len(events))
        new = {(s, p) for s, p, _ in events} - self.keys
        self.keys |= new
        return new


async def test_concurrent_stores_share_transactions_and_replays_are_not_new() -> None:
    inbox = FakeInbox()
    group = GroupCommit(inbox.write)
    sids = [f"SM{n}" for n in range(50)] + ["SM1", "SM2"]  # two retried by Twilio at once
    results = await asyncio.gather(*(group.store("twilio-sms", sid, "{}") for sid in sids))
    assert results[:50] == [True] * 50
    assert results[50:] == [False, False]
    assert len(inbox.keys) == 50
    assert len(inbox.transactions) < 10  # gathered, not one transaction each
    assert not await group.store("twilio-sms", "SM3", "{}")


async def test_a_bad_event_fails_alone() -> None:
    inbox = FakeInbox()
    group = GroupCommit(inbox.write)
    results = await asyncio.gather(
        *(group.store("twilio-sms", f"SM{n}", "BAD" if n == 3 else "{}") for n in range(8)),
        return_exceptions=True,
    )
    assert isinstance(results[3], ValueError)
    assert [r for n, r in enumerate(results) if n != 3] == [True] * 7


async def test_an_outage_fails_every_waiting_caller_and_the_next_group_goes_through() -> None:
    inbox = FakeInbox()
    group = GroupCommit(inbox.write)
    inbox.down = True
    results = await asyncio.gather(
        *(group.store("telegram", str(n), "{}") for n in range(5)), return_exceptions=True
    )
    assert all(isinstance(r, sqlite3.OperationalError) for r in results)
    inbox.down = False
    assert await group.store("telegram", "1", "{}")
    with pytest.raises(ValueError):
        await group.store("telegram", "9", "BAD")
