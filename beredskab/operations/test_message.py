"""`beredskab test-message`: a marked test on each of a person's channels, followed to its end.

``send`` queues one message per channel in the durable outbox, like every other message
(``template = "test"``, no incident, nothing to acknowledge, no fallback to another channel),
and audits who sent it to whom; the text says in the person's language that it is a test and
not an incident. ``follow`` reads the rows until each has a final status or the time is up,
reporting each change; SMS and calls are final when Twilio reports them delivered (or failed),
email when the server took it, Telegram when the API accepted it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from beredskab.delivery.notifications import person_channels
from beredskab.delivery.outbox.messages import RECEIPT_CHANNELS
from beredskab.errors import InvalidStateError, NotFoundError
from beredskab.i18n import clock
from beredskab.operations.texts import say
from beredskab.security import audit
from beredskab.storage.repositories.deliveries import NewDelivery
from notifier.types import ChannelKind, DeliveryStatus

if TYPE_CHECKING:
    from beredskab.i18n import Language
    from beredskab.models import Delivery
    from beredskab.services import Services
    from beredskab.storage import Database
    from contacts.models import Person

TEMPLATE = "test"
NOTIFICATION_PREFIX = "test:"
AUDIT_ACTION = "test_message"
FINAL = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.EXPIRED})
POLL_SECONDS = 0.5


def is_final(delivery: Delivery) -> bool:
    """True when nothing more will happen to the row (``sent`` is final where the provider
    reports no delivery: email)."""
    if delivery.status in FINAL:
        return True
    return delivery.status is DeliveryStatus.SENT and delivery.channel not in RECEIPT_CHANNELS


def addresses(
    person: Person, chat: int | None, channel: ChannelKind | None
) -> list[tuple[ChannelKind, str]]:
    """Where the test goes: every channel the person has, or only ``channel`` (voice: the
    phone, which a test never calls unless asked)."""
    if channel is ChannelKind.VOICE:
        found = [(ChannelKind.VOICE, person.phone)] if person.phone else []
    else:
        found = [
            (kind, address)
            for kind, address in person_channels(person, chat)
            if channel is None or kind is channel
        ]
    if not found and channel is not None:
        raise InvalidStateError(
            "{person} has no address for {channel} (a phone for sms and voice, an email, "
            "a linked Telegram chat)",
            person=person.id,
            channel=channel.value,
        )
    if not found:
        raise InvalidStateError(
            "{person} has no phone, email or linked Telegram chat to test", person=person.id
        )
    return found


def wording(
    person: Person, kind: ChannelKind, *, now: datetime, language: Language
) -> tuple[str, str, str]:
    """``(subject, text, short text)`` of the test for one channel."""
    at = clock(now, now=now, language=language)
    channel = kind.value
    return (
        say("test_subject", language),
        say("test_text", language, name=person.name, channel=channel, time=at),
        say("test_short", language, name=person.name, channel=channel, time=at),
    )


async def send(
    *, app: Services, person_id: str, channel: ChannelKind | None, actor: str, via: str
) -> list[int]:
    """Queue the test on the person's channels (in one transaction, audited); returns the
    delivery ids in channel order."""
    person = app.plan.directory.person(person_id)
    if person is None:
        raise NotFoundError(
            "'{person}' is not in the contact directory; use a person id from `beredskab contacts`",
            person=person_id,
        )
    language: Language = "en" if person.language == "en" else "da"
    notification = f"{NOTIFICATION_PREFIX}{uuid.uuid4().hex[:12]}"
    async with app.db.transaction() as tx:
        chats = await tx.people.telegram_chats([person.id])
        targets = addresses(person, chats.get(person.id), channel)
        items: list[NewDelivery] = []
        for kind, address in targets:
            subject, text, short = wording(person, kind, now=tx.now, language=language)
            items.append(
                NewDelivery(
                    incident_id=None,
                    person_id=person.id,
                    channel=kind,
                    address=address,
                    template=TEMPLATE,
                    subject=subject,
                    text=text,
                    short_text=short,
                    notification=notification,
                    language=language,
                )
            )
        ids = await tx.deliveries.enqueue(items, now=tx.now)
        await audit.record(
            tx,
            actor=actor,
            action=AUDIT_ACTION,
            channel=via,
            detail=f"test to {person.id} on {', '.join(k.value for k, _ in targets)}",
        )
    return ids


async def rows(db: Database, ids: Sequence[int]) -> list[Delivery]:
    """The current state of the test's rows, in the order given."""
    async with db.read() as tx:
        found = [await tx.deliveries.get(i) for i in ids]
    return [d for d in found if d is not None]


async def follow(
    db: Database,
    ids: Sequence[int],
    *,
    within: float,
    changed: Callable[[Delivery], None],
    deliver: Callable[[], Awaitable[object]] | None = None,
) -> list[Delivery]:
    """Read the rows until each is final or ``within`` seconds have passed; ``changed`` is
    called for each new status (progress), ``deliver`` (a CLI without `serve`: the outbox's
    ``drain``) before each look."""
    seen: dict[int, tuple[DeliveryStatus, str | None]] = {}
    current: list[Delivery] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        if deliver is not None:
            await deliver()
        current = await rows(db, ids)
        for delivery in current:
            state = (delivery.status, delivery.error)
            if seen.get(delivery.id) != state:
                seen[delivery.id] = state
                changed(delivery)
        if all(is_final(d) for d in current) or loop.time() >= deadline:
            return current
        await asyncio.sleep(min(POLL_SECONDS, max(0.0, deadline - loop.time())))
