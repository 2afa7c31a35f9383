"""What the outbox works with: the channel-level view of a row, outcomes, the retry policy."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from beredskab.boundary.action_tokens import LINK_ACTION, Use, label
from beredskab.delivery import links
from beredskab.delivery.links import LinkSigner
from beredskab.models import ActionToken, Delivery
from notifier.types import Button, ChannelKind, DeliveryStatus, Message, Recipient

UNKNOWN = "UnknownOutcomeError"
"""Prefix of a row's error when its last send may have gone out (reconcile before re-sending)."""
RECEIPT_CHANNELS = [ChannelKind.SMS, ChannelKind.VOICE]
"""Channels whose provider reports delivery later; "sent" there is not yet confirmed."""

OutcomeKind = Literal["sent", "retry", "fail", "release", "expire"]


@runtime_checkable
class Reconciler(Protocol):
    """A channel that can tell whether a message already went out (Twilio SMS)."""

    async def find_recent(self, to: str, since: datetime, body: str | None = None) -> list[str]:
        """Provider ids of matching messages sent since ``since``."""
        ...


@dataclass(frozen=True)
class Outcome:
    """What happened to one leased row: "sent"; "retry" (transient or unknown); "fail"
    (permanent); "release" (not sent at all: its lease was too far gone to start); "expire"
    (not sent: it must not go out any more, ``error`` says why — see ``incident.after_close``)."""

    delivery: Delivery
    kind: OutcomeKind
    status: DeliveryStatus = DeliveryStatus.SENT
    provider_id: str | None = None
    error: str | None = None
    retry_after: float | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """When a message is tried again: exponential backoff per attempt, bounded by
    ``max_seconds`` and ``max_attempts`` (not a loop's pause after a failed round: that is
    ``runtime.backoff.Backoff``)."""

    base_seconds: float
    max_seconds: float
    max_attempts: int

    def __post_init__(self) -> None:
        if self.base_seconds <= 0 or self.max_seconds < self.base_seconds:
            raise ValueError("backoff needs 0 < base_seconds <= max_seconds")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        exponential = min(self.max_seconds, self.base_seconds * 2.0 ** (attempt - 1))
        return max(exponential, retry_after or 0.0)


def stored_token_rows(rows: Iterable[Delivery]) -> list[int]:
    """The rows whose buttons are stored ``action_tokens`` rows, not derived: Telegram
    messages without actions and outside an incident (preparedness requests). Only these
    need a token read before sending."""
    return [
        d.id
        for d in rows
        if d.channel is ChannelKind.TELEGRAM and not d.actions and d.incident_id is None
    ]


def message_for(
    delivery: Delivery,
    stored: list[ActionToken] | None = None,
    *,
    link_base: str | None = None,
    signer: LinkSigner | None = None,
) -> tuple[Recipient, Message]:
    """The channel-level view of an outbox row.

    A Telegram row gets one button per action it carries ("ack", "decline"), its callback
    data derived from the row's id with ``signer`` (``security.action_tokens``); a row
    without actions gets its ``stored`` tokens as buttons (preparedness requests). An email
    row carrying "ack" gets the personal acknowledgement link, derived the same way (when
    ``link_base`` and ``signer`` are given). Nothing is read from the database here.
    """
    recipient = Recipient(
        person_id=delivery.person_id,
        kind=delivery.channel,
        address=delivery.address,
        language=delivery.language,
    )
    message = Message(
        key=f"delivery-{delivery.id}",
        subject=delivery.subject,
        text=delivery.text,
        short_text=delivery.short_text,
        topic=str(delivery.incident_id or ""),
        buttons=_buttons(delivery, stored or [], signer),
        link=_ack_link(delivery, link_base, signer),
    )
    return recipient, message


def _buttons(
    delivery: Delivery, stored: list[ActionToken], signer: LinkSigner | None
) -> tuple[Button, ...]:
    if delivery.channel is not ChannelKind.TELEGRAM:
        return ()
    actions = delivery.actions.split()
    if not actions:
        return tuple(Button(label=t.label, key=t.token) for t in stored)
    if signer is None:
        return ()
    return tuple(
        Button(
            label=label(action, delivery.language),
            key=signer.actions.token(Use.BUTTON, delivery.id, action),
        )
        for action in actions
    )


def _ack_link(delivery: Delivery, link_base: str | None, signer: LinkSigner | None) -> str | None:
    if delivery.channel is not ChannelKind.EMAIL or link_base is None or signer is None:
        return None
    if LINK_ACTION not in delivery.actions.split():
        return None
    return links.delivery_url(link_base, signer, delivery.id)
