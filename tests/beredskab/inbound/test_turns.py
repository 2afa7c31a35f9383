"""Inbox events applied concurrently across senders and strictly in order per sender."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from beredskab.inbound.turns import in_turn, sender_key


def test_the_sender_key_of_each_source() -> None:
    assert sender_key("twilio-sms", {"From": " +4520100001 "}) == "sms:+4520100001"
    assert sender_key("twilio-status", {"delivery": "d7"}) == "delivery:d7"
    assert sender_key("twilio-voice", {"delivery": "d7"}) == "delivery:d7"
    message = {"update_id": 5, "message": {"from": {"id": 42}, "chat": {"id": 43}}}
    assert sender_key("telegram", message) == "telegram:42"
    assert sender_key("telegram", {"update_id": 6, "channel_post": {"chat": {"id": 9}}}) == (
        "telegram:9"
    )
    assert sender_key("telegram", {"update_id": 7}) == "telegram"


async def test_in_order_per_key_and_concurrently_across_keys() -> None:
    events = [(key, n) for n in range(5) for key in "abcdef"]
    applied: list[tuple[str, int]] = []
    running = 0
    most = 0

    async def apply(event: tuple[str, int]) -> bool:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0)  # let the other senders run meanwhile
        applied.append(event)
        running -= 1
        return True

    assert await in_turn(events, lambda e: e[0], apply, limit=3) == 30
    assert sorted(applied) == sorted(events)
    for key in "abcdef":
        assert [n for k, n in applied if k == key] == list(range(5))
    assert most == 3  # bounded, and more than one at a time


async def test_a_held_event_ends_that_senders_turn_only() -> None:
    events = [("a", 0), ("a", 1), ("b", 0), ("b", 1)]
    applied: list[tuple[str, int]] = []

    async def apply(event: tuple[str, int]) -> bool:
        if event == ("a", 0):
            return False  # another instance holds it: a 1 must not overtake it
        applied.append(event)
        return True

    assert await in_turn(events, lambda e: e[0], apply, limit=4) == 2
    assert applied == [("b", 0), ("b", 1)]


async def test_a_database_failure_leaves_the_rest_pending_and_is_raised_once() -> None:
    events = [("a", 0), ("a", 1), ("b", 0)]
    applied: list[tuple[str, int]] = []
    b_started = asyncio.Event()

    async def apply(event: tuple[str, int]) -> bool:
        if event[0] == "b":
            b_started.set()
            applied.append(event)
            return True
        await b_started.wait()
        raise sqlite3.OperationalError("database is locked")

    with pytest.raises(sqlite3.OperationalError):
        await in_turn(events, lambda e: e[0], apply, limit=2)
    assert applied == [("b", 0)]  # a 1 was not tried after a 0 failed


async def test_a_bug_is_raised_after_every_other_turn_has_ended() -> None:
    finished: list[str] = []

    async def apply(event: str) -> bool:
        if event == "bad":
            raise RuntimeError("bug")
        await asyncio.sleep(0)
        finished.append(event)
        return True

    with pytest.raises(RuntimeError):
        await in_turn(["bad", "x", "y"], lambda e: e, apply, limit=3)
    assert sorted(finished) == ["x", "y"]
