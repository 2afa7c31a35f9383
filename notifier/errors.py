"""Errors raised by channels.

NotifierError
├── DeliveryError
│   ├── TransientDeliveryError   (retry later; ``retry_after`` seconds if the provider said)
│   ├── PermanentDeliveryError   (never retry this message on this channel)
│   └── UnknownOutcomeError      (may or may not have been sent: reconcile before re-sending)
└── ChannelConfigError           (a channel is missing settings or misconfigured)
"""

from __future__ import annotations

import asyncio


class NotifierError(Exception):
    """Base of every error raised by the notifier package."""


class DeliveryError(NotifierError):
    """A message could not be handed to the provider."""


class TransientDeliveryError(DeliveryError):
    """A temporary failure: the same message may succeed later."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """A failure that will not go away by retrying (bad number, blocked bot, 5xx SMTP)."""


class UnknownOutcomeError(DeliveryError):
    """The provider may have accepted the message (e.g. a timeout after sending)."""


class ChannelConfigError(NotifierError):
    """A channel cannot be built from the given settings; the message says what to set."""


def stray_cancellation() -> bool:
    """True inside ``except asyncio.CancelledError`` when nobody cancelled the current task:
    a client library cancelled its own work (seen on connection resets). That is a failed
    request whose outcome is unknown, not a shutdown, and must not end the caller."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() == 0
