"""Delivery receipts: provider reports move an outbox row forward, never back.

Twilio status callbacks go queued → sent → delivered, or to undelivered/failed, which hands
the message to the person's next channel.
"""

from __future__ import annotations

from dataclasses import dataclass

from beredskab.boundary import bounds
from beredskab.delivery import fallback
from beredskab.storage import Database
from notifier.types import DeliveryStatus

_OPEN = [DeliveryStatus.QUEUED, DeliveryStatus.SENDING]
_TWILIO: dict[str, DeliveryStatus | None] = {
    "accepted": None,
    "scheduled": None,
    "queued": None,
    "sending": None,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}
_FROM: dict[DeliveryStatus, list[DeliveryStatus]] = {
    DeliveryStatus.SENT: _OPEN,
    DeliveryStatus.DELIVERED: [*_OPEN, DeliveryStatus.SENT],
    DeliveryStatus.FAILED: [*_OPEN, DeliveryStatus.SENT],
}


@dataclass(frozen=True)
class ReceiptResult:
    """Whether a receipt changed anything and where the row stands now."""

    changed: bool
    status: DeliveryStatus | None


def parse_delivery_key(key: str) -> int | None:
    """The delivery id in a message key (``delivery-42``), or None if it is not one of ours
    (only ASCII digits in the id range count: ``delivery-²`` and ``delivery-9999999999`` do not)."""
    prefix, _, number = key.partition("-")
    return bounds.parse_id(number) if prefix == "delivery" else None


async def apply_twilio_status(
    *,
    db: Database,
    delivery_id: int | None,
    message_sid: str | None,
    status: str,
    error_code: str | None = None,
) -> ReceiptResult:
    """Apply a Twilio status callback; unknown rows and backward moves change nothing."""
    target = _TWILIO.get(status.lower())
    async with db.transaction() as tx:
        row = await tx.deliveries.get(delivery_id) if delivery_id is not None else None
        if row is None and message_sid:
            row = await tx.deliveries.by_provider_id(message_sid)
        if row is None or target is None:
            return ReceiptResult(changed=False, status=row.status if row else None)
        error = f"Twilio {status}" + (f" (error {error_code})" if error_code else "")
        changed = await tx.deliveries.advance(
            row.id,
            status=target,
            only_from=_FROM[target],
            now=tx.now,
            error=error if target is DeliveryStatus.FAILED else None,
        )
        if changed and target is DeliveryStatus.FAILED:
            await fallback.after_failure(tx, row, error)
        now_row = await tx.deliveries.get(row.id)
    return ReceiptResult(changed=changed, status=now_row.status if now_row else None)
