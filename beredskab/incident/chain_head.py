"""Telling the leader the situation log's chain head when an incident is stood down.

The head (entry count and last hash) is not sensitive. Kept outside the database (in the
leader's phone or mailbox), it later shows whether entries were deleted or the chain was
recomputed: ``beredskab log verify NR --head COUNT:HASH``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from beredskab.catalog.texts import Texts
from beredskab.delivery.notifications import person_channels
from beredskab.incident.situation_log import Head
from beredskab.models import Incident
from beredskab.storage import Tx
from beredskab.storage.repositories.deliveries import NewDelivery
from contacts.models import Person
from playbooks.schema import DRILL_PREFIX, DRILL_PREFIX_EN

TEMPLATE = "chain_head"
"""The outbox template name of the message (not a playbook template: the text is fixed)."""

_t = Texts("incident")
_t.mark("message.chain_head.subject", "message.chain_head.text", "message.chain_head.sms")


async def send_head(tx: Tx, *, incident: Incident, leaders: Iterable[Person], head: Head) -> int:
    """Queue the head for each leader on their first channel (the outbox falls back to the
    next); returns how many messages were queued."""
    leaders = list(leaders)
    chats = await tx.people.telegram_chats(p.id for p in leaders)
    items: list[NewDelivery] = []
    for person in leaders:
        channels = person_channels(person, chats.get(person.id))
        if not channels:
            continue
        language = "en" if person.language == "en" else "da"
        prefix = (DRILL_PREFIX_EN if language == "en" else DRILL_PREFIX) if incident.drill else ""
        subject, text, short = (
            prefix + _t(f"message.chain_head.{part}", language, nr=incident.id, head=head.short)
            for part in ("subject", "text", "sms")
        )
        (channel, address), *rest = channels
        items.append(
            NewDelivery(
                incident_id=incident.id,
                person_id=person.id,
                channel=channel,
                address=address,
                template=TEMPLATE,
                subject=subject,
                text=text,
                short_text=short,
                notification=f"{incident.id}:{person.id}:{TEMPLATE}:{uuid.uuid4().hex[:10]}",
                policy="fallback",
                alternates="\n".join(f"{k.value} {a}" for k, a in rest),
                language=language,
            )
        )
    await tx.deliveries.enqueue(items, now=tx.now)
    return len(items)
