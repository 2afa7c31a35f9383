"""A pool of identical channels, for transports that serialise per connection (SMTP): N
channels give N concurrent sends.

Each send goes to a member that is free (the one free longest), never queued behind a busy
one while another idles: a blind round-robin would, whenever sends take unequal times, leave
some connections idle and others with two sends waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import ClassVar

from notifier.base import Channel
from notifier.types import ChannelKind, Message, Receipt, Recipient


class ChannelPool:
    """Spreads sends over several channels of one kind, one send per member at a time."""

    name: ClassVar[str] = "pool"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset(ChannelKind)

    def __init__(self, channels: Sequence[Channel]) -> None:
        if not channels:
            raise ValueError("a pool needs at least one channel")
        self.members = tuple(channels)
        self._free: asyncio.Queue[Channel] = asyncio.Queue()
        for member in self.members:
            self._free.put_nowait(member)

    @property
    def free(self) -> int:
        """Members not sending now."""
        return self._free.qsize()

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        """Send through a free member (waiting for one when all are busy)."""
        member = await self._free.get()
        try:
            return await member.send(recipient, message)
        finally:
            self._free.put_nowait(member)

    async def aclose(self) -> None:
        """Close every member."""
        for member in self.members:
            await member.aclose()
