"""The inbound inbox: every webhook, SMS and Telegram update is stored before it is processed,
deduplicated by the provider's id, so retries and replays change nothing twice.

Processing runs in the background (webhooks answer at once); events left unprocessed by a
crash are processed after the restart. A handler that fails leaves its error as the event's
outcome (and in the log); it never stops the loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from beredskab import acknowledgements, receipts
from beredskab.errors import BeredskabError
from beredskab.storage.repositories.security import Inbound

if TYPE_CHECKING:
    from beredskab.app import App

log = logging.getLogger(__name__)

Handler = Callable[["App", dict[str, Any]], Awaitable[str]]


async def _twilio_sms(app: App, payload: dict[str, Any]) -> str:
    from beredskab import sms_commands

    return await sms_commands.handle(
        app=app, sender=str(payload.get("From", "")), body=str(payload.get("Body", ""))
    )


async def _twilio_status(app: App, payload: dict[str, Any]) -> str:
    result = await receipts.apply_twilio_status(
        db=app.db,
        delivery_id=receipts.parse_delivery_key(str(payload.get("delivery", ""))),
        message_sid=payload.get("MessageSid") or payload.get("CallSid"),
        status=str(payload.get("MessageStatus") or payload.get("CallStatus") or ""),
        error_code=payload.get("ErrorCode"),
    )
    if result.changed:
        app.outbox.wake()
    return f"receipt {'applied' if result.changed else 'ignored'}: {result.status}"


async def _twilio_voice(app: App, payload: dict[str, Any]) -> str:
    if str(payload.get("Digits", "")) != "1":
        return "no confirmation key pressed"
    delivery_id = receipts.parse_delivery_key(str(payload.get("delivery", "")))
    async with app.db.transaction() as tx:
        delivery = await tx.deliveries.get(delivery_id) if delivery_id is not None else None
    if delivery is None or delivery.incident_id is None:
        return "unknown delivery"
    result = await acknowledgements.record(
        db=app.db,
        plan=app.plan,
        incident_id=delivery.incident_id,
        person_id=delivery.person_id,
        via="voice",
    )
    return f"voice ack {'recorded' if result.changed else 'already recorded'}"


async def _telegram(app: App, payload: dict[str, Any]) -> str:
    from beredskab import bot

    telegram_bot = app.telegram_bot()
    if telegram_bot is None:
        return "telegram not configured"
    await bot.feed_update(app, telegram_bot, payload)
    return "update handled"


HANDLERS: Mapping[str, Handler] = {
    "twilio-sms": _twilio_sms,
    "twilio-status": _twilio_status,
    "twilio-voice": _twilio_voice,
    "telegram": _telegram,
}


class Inbox:
    """Stores inbound events and processes them in order."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._kick = asyncio.Event()
        self._lock = asyncio.Lock()

    async def receive(self, *, source: str, provider_id: str, payload: dict[str, Any]) -> bool:
        """Store one event; False for a replay (already stored). Processing follows soon."""
        if source not in HANDLERS:
            raise ValueError(f"unknown inbound source {source!r}")
        async with self._app.db.transaction() as tx:
            stored = await tx.inbox.store(
                source=source,
                provider_id=provider_id,
                payload=json.dumps(payload, ensure_ascii=False),
                now=tx.now,
            )
        if stored is not None:
            self._kick.set()
        return stored is not None

    async def process_pending(self) -> int:
        """Process every stored, unprocessed event; returns how many."""
        async with self._lock:
            async with self._app.db.transaction() as tx:
                events = await tx.inbox.pending()
            for event in events:
                outcome = await self._handle(event)
                async with self._app.db.transaction() as tx:
                    await tx.inbox.mark_processed(event.id, outcome=outcome[:500], now=tx.now)
            return len(events)

    async def _handle(self, event: Inbound) -> str:
        try:
            return await HANDLERS[event.source](self._app, json.loads(event.payload))
        except BeredskabError as exc:
            return f"refused: {exc}"
        except Exception as exc:  # a bug in one handler must not stop the inbox
            log.exception("inbound event %s (%s) failed", event.id, event.source)
            return f"error: {type(exc).__name__}: {exc}"

    async def run(self, stop: asyncio.Event) -> None:
        """Process events as they arrive until ``stop`` is set."""
        while not stop.is_set():
            if await self.process_pending():
                continue
            self._kick.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._kick.wait())]
            await asyncio.wait(waiters, timeout=5, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
