"""Per-person fallback: when a channel fails for a person, the message goes to their next one.

Only "fallback" notifications (one channel at a time) hand over; a notification sent on every
channel at once reports in the situation log when no channel at all reached the person.
Every hand-over is written to the situation log in the same transaction. Nothing queued
before its incident was closed is handed over after the close (``incident.after_close``):
the stand-down message and the follow-ups still are.
"""

from __future__ import annotations

from beredskab.catalog.texts import Texts
from beredskab.delivery import after_close
from beredskab.models import Delivery, EntryKind
from beredskab.storage import Tx, chain
from beredskab.storage.repositories.deliveries import NewDelivery
from notifier.types import DeliveryStatus

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

_REACHED = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)


async def after_failure(tx: Tx, delivery: Delivery, reason: str) -> Delivery | None:
    """Hand a failed or overdue message to the person's next channel; the new row, if any."""
    if delivery.policy != "fallback":
        await _report_if_unreached(tx, delivery, reason)
        return None
    alternates = delivery.next_channels()
    incident = await tx.incidents.get(delivery.incident_id) if delivery.incident_id else None
    if alternates and after_close.closed_before(delivery, incident):
        if await tx.deliveries.mark_fell_back(delivery.id, now=tx.now):
            await _log(
                tx,
                delivery,
                _t("log.fallback.closed", reason=reason, **_about(delivery)),
            )
        return None
    if not alternates:
        await _log(
            tx,
            delivery,
            _t("log.fallback.no_more", reason=reason, **_about(delivery)),
        )
        return None
    if not await tx.deliveries.mark_fell_back(delivery.id, now=tx.now):
        return None  # another worker or receipt already handed this one over
    (kind, address), rest = alternates[0], alternates[1:]
    [new_id] = await tx.deliveries.enqueue(
        [
            NewDelivery(
                incident_id=delivery.incident_id,
                person_id=delivery.person_id,
                channel=kind,
                address=address,
                template=delivery.template,
                subject=delivery.subject,
                text=delivery.text,
                short_text=delivery.short_text,
                notification=delivery.notification,
                policy=delivery.policy,
                alternates="\n".join(f"{k.value} {a}" for k, a in rest),
                actions=delivery.actions,
                language=delivery.language,
            )
        ],
        now=tx.now,
    )
    await _log(
        tx,
        delivery,
        _t("log.fallback.next", reason=reason, next=kind.value, **_about(delivery)),
    )
    return await tx.deliveries.get(new_id)


async def _report_if_unreached(tx: Tx, delivery: Delivery, reason: str) -> None:
    copies = await tx.deliveries.for_notification(delivery.notification)
    others = [c for c in copies if c.id != delivery.id]
    text = _t("log.fallback.failed", reason=reason, address=delivery.address, **_about(delivery))
    if delivery.notification and not any(c.status in _REACHED for c in others):
        pending = [c for c in others if c.status in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)]
        if not pending:
            text += _t("log.fallback.unreached")
    await _log(tx, delivery, text)


def _about(delivery: Delivery) -> dict[str, str]:
    """The values naming a message in the log: its template, person and channel."""
    return {
        "template": delivery.template,
        "person": delivery.person_id,
        "channel": delivery.channel.value,
    }


async def _log(tx: Tx, delivery: Delivery, text: str) -> None:
    if delivery.incident_id is not None:
        await chain.append(
            tx, incident_id=delivery.incident_id, kind=EntryKind.DELIVERY, actor="system", text=text
        )
