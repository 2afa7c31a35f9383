"""What may still go out for an incident, decided when it is about to be sent.

After the stand-down only what the close itself queued (the stand-down message, and anything
else its transaction sends), the follow-ups and answers to a person's own commands go out —
all of them queued at or after the close. Everything queued before it (a reminder, an
escalation, a task message, a communication, a one-channel message waiting for its
fallback) is expired instead, wherever it is: at close time in the closing transaction
(``tx.deliveries.expire_queued``), when a worker claims it, just before the channel is
called, and when a failed message would be handed to the next channel
(``fallback.after_failure``). A message that asks again for a confirmation already given (the
alert re-sent by the escalation, the voice call) is expired the same way, and so is a
resident message to a number that has stopped its subscription (``UNSUBSCRIBED``).
"""

from __future__ import annotations

from collections.abc import Sequence

from beredskab.catalog.texts import Texts
from beredskab.models import (
    Confirmation,
    ConfirmationStatus,
    Delivery,
    EntryKind,
    Incident,
)
from beredskab.storage import Tx, chain
from notifier.types import ChannelKind
from playbooks.schema import TemplateKind

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

CLOSED = "incident closed before it was sent"
CONFIRMED = "the person had already confirmed"
UNSUBSCRIBED = "the resident unsubscribed (STOP)"
RESIDENT_PREFIX = "resident:"
"""``person_id`` of a message to a subscribed resident: the prefix and the subscription id."""


def to_resident(delivery: Delivery) -> bool:
    """True for a resident message: it goes out only while the number is subscribed."""
    return delivery.person_id.startswith(RESIDENT_PREFIX)


def re_asks(delivery: Delivery) -> bool:
    """True for a message that asks again for a confirmation: the alert re-sent by the
    escalation (a reminder with answer buttons) and the escalation's voice call."""
    return delivery.channel is ChannelKind.VOICE or (
        delivery.template == TemplateKind.REMINDER.value and bool(delivery.actions)
    )


def closed_before(delivery: Delivery, incident: Incident | None) -> bool:
    """True if the message was queued before its incident was closed."""
    return (
        incident is not None
        and incident.closed_at is not None
        and delivery.created_at < incident.closed_at
    )


def stale_reason(
    delivery: Delivery, incident: Incident | None, confirmation: Confirmation | None
) -> str | None:
    """Why this message must not be sent any more, or None if it may."""
    if closed_before(delivery, incident):
        return CLOSED
    if (
        re_asks(delivery)
        and confirmation is not None
        and confirmation.status is not ConfirmationStatus.PENDING
    ):
        return CONFIRMED
    return None


async def log_expired(tx: Tx, rows: Sequence[Delivery], reasons: dict[int, str]) -> None:
    """One situation-log entry per incident for the messages the outbox did not send."""
    by_incident: dict[int, list[Delivery]] = {}
    for row in rows:
        if row.id in reasons and row.incident_id is not None:
            by_incident.setdefault(row.incident_id, []).append(row)
    for incident_id, expired in by_incident.items():
        closed = [d for d in expired if reasons[d.id] == CLOSED]
        answered = [d for d in expired if reasons[d.id] == CONFIRMED]
        stopped = [d for d in expired if reasons[d.id] == UNSUBSCRIBED]
        parts = []
        if closed:
            parts.append(_t("log.expired.closed", count=len(closed), messages=_describe(closed)))
        if answered:
            parts.append(
                _t("log.expired.confirmed", count=len(answered), messages=_describe(answered))
            )
        if stopped:  # no numbers in the log: the count is enough
            parts.append(_t("log.expired.unsubscribed", count=len(stopped)))
        await chain.append(
            tx,
            incident_id=incident_id,
            kind=EntryKind.DELIVERY,
            actor="system",
            text="; ".join(parts) + ".",
        )


def _describe(rows: Sequence[Delivery]) -> str:
    shown = [
        _t("log.expired.message", template=d.template, person=d.person_id, channel=d.channel.value)
        for d in rows[:5]
    ]
    if len(rows) > 5:
        shown.append(_t("log.expired.more", count=len(rows) - 5))
    return ", ".join(shown)
