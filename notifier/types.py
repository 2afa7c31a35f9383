"""Value types shared by every channel."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ChannelKind(StrEnum):
    """A logical way to reach a person; the transport behind it is configured separately."""

    SMS = "sms"
    EMAIL = "email"
    TELEGRAM = "telegram"
    VOICE = "voice"


class DeliveryStatus(StrEnum):
    """Life cycle of one outbound message (forward-only)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who gets a message and at which address on the chosen channel."""

    person_id: str
    kind: ChannelKind
    address: str
    language: str = "da"


@dataclass(frozen=True, slots=True)
class Button:
    """An inline action offered with a message (Telegram); ``key`` is opaque to the channel."""

    label: str
    key: str


@dataclass(frozen=True, slots=True)
class Message:
    """One outbound message.

    ``key`` is the caller's idempotency key (beredskab uses the delivery id); channels use it
    for provider-side ids such as the SMTP Message-ID. ``topic`` groups messages for the
    caller (beredskab uses the incident number). ``short_text`` is the SMS-length variant.
    """

    key: str
    subject: str
    text: str
    short_text: str
    topic: str = ""
    link: str | None = None
    buttons: tuple[Button, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a channel reports after handing a message to its provider."""

    provider_id: str
    status: DeliveryStatus = DeliveryStatus.SENT
