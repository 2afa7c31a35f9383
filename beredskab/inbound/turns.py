"""Applying inbox events concurrently across people and strictly in order per person.

A batch of pending events is split by sender (the phone number of an SMS, the Telegram user,
the delivery a receipt or keypress is about). Each sender's events are applied one after
another in the order they were stored; different senders run concurrently, at most
``limit`` at a time. A sender's turn ends early when ``apply`` says so (another instance
holds one of its events: the rest wait for the next batch, so they never overtake it) or
when the database fails (the event stays pending; the first such error is raised once
every other sender's turn has ended, so the caller backs off).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from beredskab.storage import is_transient

E = TypeVar("E")


def sender_key(source: str, payload: Mapping[str, Any]) -> str:
    """Whose event this is: events with one key are applied in order, others concurrently."""
    if source == "twilio-sms":
        return f"sms:{str(payload.get('From', '')).strip()}"
    if source in ("twilio-status", "twilio-voice"):
        return f"delivery:{payload.get('delivery', '')}"
    if source == "telegram":
        for kind, body in payload.items():
            if kind != "update_id" and isinstance(body, dict):
                user = body.get("from")
                if isinstance(user, dict) and user.get("id") is not None:
                    return f"telegram:{user.get('id')}"
                chat = body.get("chat")
                if isinstance(chat, dict) and chat.get("id") is not None:
                    return f"telegram:{chat.get('id')}"
        return "telegram"
    return source


async def in_turn(
    events: Sequence[E],
    key: Callable[[E], str],
    apply: Callable[[E], Awaitable[bool]],
    *,
    limit: int,
) -> int:
    """Apply ``events`` (oldest first) in order per ``key``, keys concurrently (at most
    ``limit`` at a time); returns how many ``apply`` took (it returns False for an event it
    must leave to another instance, which ends that key's turn)."""
    groups: dict[str, list[E]] = {}
    for event in events:
        groups.setdefault(key(event), []).append(event)
    gate = asyncio.Semaphore(max(1, limit))
    failures: list[BaseException] = []

    async def turn(group: list[E]) -> int:
        applied = 0
        async with gate:
            for event in group:
                if failures:
                    break  # the database is failing: leave the rest pending for the retry
                try:
                    if not await apply(event):
                        break
                except Exception as error:
                    if not is_transient(error):
                        raise
                    failures.append(error)
                    break
                applied += 1
        return applied

    results = await asyncio.gather(
        *(turn(group) for group in groups.values()), return_exceptions=True
    )
    for result in results:  # every turn has ended: nothing runs on behind the caller's back
        if isinstance(result, BaseException):
            raise result
    if failures:
        raise failures[0]
    return sum(r for r in results if isinstance(r, int))
