"""Replies to people who wrote to the service (SMS commands): through the outbox, like
every other outbound message. Passive replies (help, errors) are limited per number."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from beredskab.storage import Tx
from beredskab.storage.repositories.deliveries import NewDelivery
from notifier.types import ChannelKind

REPLY = "reply"
PASSIVE = "reply-passive"


@dataclass(frozen=True)
class SmsReply:
    """One SMS reply to queue: to whom, what, and whether it is passive (limited)."""

    to: str
    text: str
    person_id: str = ""
    incident_id: int | None = None
    passive: bool = False


async def sms_reply(
    tx: Tx,
    *,
    to: str,
    text: str,
    person_id: str = "",
    incident_id: int | None = None,
    passive: bool = False,
    passive_per_hour: int = 10,
) -> bool:
    """Queue one SMS reply; False if a passive reply was suppressed by the per-number limit."""
    one = SmsReply(to, text, person_id, incident_id, passive)
    return (await sms_replies(tx, [one], passive_per_hour=passive_per_hour))[0]


async def sms_replies(
    tx: Tx, replies: Sequence[SmsReply], *, passive_per_hour: int = 10
) -> list[bool]:
    """Queue SMS replies in order, in one statement; for each, False if it was a passive
    reply suppressed by the per-number limit (which counts the passive replies before it in
    ``replies`` too)."""
    queued: list[bool] = []
    rows: list[NewDelivery] = []
    passive_here: Counter[str] = Counter()
    since = tx.now - timedelta(hours=1)
    for reply in replies:
        if reply.passive:
            count = await tx.deliveries.count_to(reply.to, template=PASSIVE, since=since)
            if count + passive_here[reply.to] >= passive_per_hour:
                queued.append(False)
                continue
            passive_here[reply.to] += 1
        rows.append(
            NewDelivery(
                incident_id=reply.incident_id,
                person_id=reply.person_id or reply.to,
                channel=ChannelKind.SMS,
                address=reply.to,
                template=PASSIVE if reply.passive else REPLY,
                subject="",
                text=reply.text,
                short_text=reply.text,
                notification=f"reply:{uuid.uuid4().hex[:12]}",
            )
        )
        queued.append(True)
    await tx.deliveries.enqueue(rows, now=tx.now)
    return queued
