"""Fixtures for the notifier tests: the real protocol peers (see ``tests/peers``)."""

from __future__ import annotations

from tests.peers.smtp import smtp_peer, smtps_peer
from tests.peers.telegram_api import fake_bot_api
from tests.peers.twilio import prism

__all__ = ["fake_bot_api", "prism", "smtp_peer", "smtps_peer"]
