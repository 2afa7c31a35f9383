"""A pool of identical channels used round-robin, for transports that serialise per
connection (SMTP): N channels give N concurrent sends."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import ClassVar

from notifier.base import Channel
from notifier.types import ChannelKind, Message, Receipt, Recipient


class ChannelPool:
    """Spreads sends over several channels of one kind."""

    name: ClassVar[str] = "pool"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset(ChannelKind)

    def __init__(self, channels: Sequence[Channel]) -> None:
        if not channels:
            raise ValueError("a pool needs at least one channel")
        self.members = tuple(channels)
        self._next = itertools.cycle(self.members)

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        """Send through the next member."""
        return await next(self._next).send(recipient, message)

    async def aclose(self) -> None:
        """Close every member."""
        for member in self.members:
            await member.aclose()
