"""Replies to people who wrote to the service (SMS commands): through the outbox, like
every other outbound message. Passive replies (help, errors) are limited per number."""

from __future__ import annotations

import uuid
from datetime import timedelta

from beredskab.storage import Tx
from beredskab.storage.repositories.deliveries import NewDelivery
from notifier.types import ChannelKind

REPLY = "reply"
PASSIVE = "reply-passive"


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
    if passive:
        since = tx.now - timedelta(hours=1)
        if await tx.deliveries.count_to(to, template=PASSIVE, since=since) >= passive_per_hour:
            return False
    await tx.deliveries.enqueue(
        [
            NewDelivery(
                incident_id=incident_id,
                person_id=person_id or to,
                channel=ChannelKind.SMS,
                address=to,
                template=PASSIVE if passive else REPLY,
                subject="",
                text=text,
                short_text=text,
                notification=f"reply:{uuid.uuid4().hex[:12]}",
            )
        ],
        now=tx.now,
    )
    return True
