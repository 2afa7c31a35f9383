"""The port every channel implements."""

from __future__ import annotations

from typing import ClassVar, Protocol, runtime_checkable

from notifier.types import ChannelKind, Message, Receipt, Recipient


class Channel(Protocol):
    """A transport that delivers messages for one or more channel kinds.

    ``send`` returns a receipt or raises a ``notifier.errors.DeliveryError`` subclass; it never
    returns a success flag. Limits are class attributes so pacing can read them.
    """

    name: ClassVar[str]
    kinds: ClassVar[frozenset[ChannelKind]]

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        """Hand one message to the provider."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class Warmable(Protocol):
    """A channel that can open its provider connection ahead of a burst (``notifier.warm``)."""

    def warm(self) -> None:
        """Start opening a connection if none is likely open; returns at once, never raises."""
        ...
