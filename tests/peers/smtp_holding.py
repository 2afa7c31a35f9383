"""An SMTP peer that can accept a message and then keep its reply back.

``HoldingHandler`` records the message at DATA like ``RecordingHandler`` and, once told to
``hold(after=n)``, leaves every DATA beyond the first ``n`` unanswered until ``release()``.
To the sender that is the reply lost after the server took the message (RFC 1047's
duplicate-message window): a client that dies there cannot know the mail went out.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.peers.smtp import RecordingHandler, SmtpPeer


class HoldingHandler(RecordingHandler):
    """Records every message; holds the reply to those beyond ``after`` while holding."""

    def __init__(self) -> None:
        super().__init__()
        self._hold_after: int | None = None
        self._gate = asyncio.Event()
        self.held = 0

    def hold(self, *, after: int) -> None:
        """Keep back the reply to every message beyond the first ``after`` ever received."""
        self._hold_after = after
        self._gate.clear()

    def release(self) -> None:
        """Answer held messages (if their sender is still there) and hold no more."""
        self._hold_after = None
        self._gate.set()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if self._hold_after is not None and len(self.received) > self._hold_after:
            self.held += 1
            try:
                await self._gate.wait()  # cancelled when the sender's connection drops
            finally:
                self.held -= 1
        return reply


@pytest_asyncio.fixture
async def holding_smtp_peer() -> AsyncIterator[SmtpPeer]:
    """A started, probed STARTTLS + AUTH SMTP server whose handler is a ``HoldingHandler``."""
    peer = SmtpPeer()
    peer.handler = HoldingHandler()
    await peer.start()
    try:
        await peer.probe()
        yield peer
    finally:
        handler = peer.handler
        assert isinstance(handler, HoldingHandler)
        handler.release()
        await peer.stop()
