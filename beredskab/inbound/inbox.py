"""The inbound inbox: every webhook, SMS and Telegram update is stored before it is processed,
deduplicated by the provider's id, so retries and replays change nothing twice.

Processing runs in the background (webhooks answer at once); events left unprocessed by a
crash are processed after the restart. A handler that fails leaves its error as the event's
outcome (and in the log); it never stops the loop. A database outage does not stop it either:
the loop backs off (capped) and resumes, and the event stays pending.

When the database cannot take an event (unreachable, or locked for longer than
``store_timeout``), ``receive`` writes it to the local durable spool (``inbound.spool``) and
returns as if stored, so the webhook answers as normal; while the spool holds events, new ones
queue behind them there. The replayer (``inbound.replay``) moves them into the inbox when the
database is back, deduplicated like every other event. Events stored at the same moment
share one transaction (``inbound.batch``).

Pending events are applied in batches, concurrently across senders and strictly in order
per sender (``inbound.turns``). On PostgreSQL each event is claimed (``FOR UPDATE SKIP
LOCKED``) while it is handled, so several instances never handle one twice; an event held
by another instance ends its sender's turn here, so the sender's later events wait for it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from beredskab.delivery import receipts
from beredskab.errors import BeredskabError
from beredskab.inbound.batch import Event, GroupCommit
from beredskab.inbound.replay import SpoolReplayer
from beredskab.inbound.spool import SPOOL_FILE, Spool
from beredskab.inbound.together import Item, TxHandler, apply_together
from beredskab.inbound.turns import in_turn, sender_key
from beredskab.incident import acknowledgements
from beredskab.runtime.backoff import Backoff, Trouble, wait_woken
from beredskab.storage import Tx, is_transient
from beredskab.storage.repositories.security import Inbound

if TYPE_CHECKING:
    from beredskab.services import Services

log = logging.getLogger(__name__)

Handler = Callable[["Services", dict[str, Any]], Awaitable[str]]


async def _twilio_sms(app: Services, payload: dict[str, Any]) -> str:
    from beredskab.inbound import sms_commands

    return await sms_commands.handle(
        app=app,
        sender=str(payload.get("From", "")),
        body=str(payload.get("Body", "")),
        opt_out=str(payload.get("OptOutType", "")),
    )


async def _twilio_status(app: Services, payload: dict[str, Any]) -> str:
    result = await receipts.apply_twilio_status(
        db=app.db,
        delivery_id=receipts.parse_delivery_key(str(payload.get("delivery", ""))),
        message_sid=payload.get("MessageSid") or payload.get("CallSid"),
        status=str(payload.get("MessageStatus") or payload.get("CallStatus") or ""),
        error_code=payload.get("ErrorCode"),
    )
    if result.changed:
        app.outbox.wake()
        channel = "voice" if payload.get("CallSid") else "sms"
        app.metrics.receipt(channel, str(result.status), str(payload.get("ErrorCode") or ""))
    return f"receipt {'applied' if result.changed else 'ignored'}: {result.status}"


async def _twilio_voice(app: Services, payload: dict[str, Any]) -> str:
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


async def _twilio_sms_in(app: Services, tx: Tx, payloads: Sequence[dict[str, Any]]) -> list[str]:
    from beredskab.inbound import sms_answers

    messages = [(str(p.get("From", "")), str(p.get("Body", ""))) for p in payloads]
    return await sms_answers.handle_many_in(tx, app=app, messages=messages)


def _in_transaction(app: Services, source: str, payload: dict[str, Any]) -> TxHandler | None:
    """The handler that applies this event in the transaction marking it processed, if it
    has one: an SMS "OK" (or "NEJ", help, not a command). Others use their own."""
    if source == "twilio-sms":
        from beredskab.inbound import sms_answers

        sender, body = str(payload.get("From", "")), str(payload.get("Body", ""))
        opt_out = str(payload.get("OptOutType", ""))
        if sms_answers.one_transaction(app=app, sender=sender, body=body, opt_out=opt_out):
            return _twilio_sms_in
    return None


HANDLERS: Mapping[str, Handler] = {
    "twilio-sms": _twilio_sms,
    "twilio-status": _twilio_status,
    "twilio-voice": _twilio_voice,
}
"""The providers' events handled here; an interface adds its own (``Inbox(handlers=...)``:
the composition root adds Telegram's updates, which the bot handles)."""


APPLY_BATCH = 200
"""Pending events read per round."""
APPLY_CONCURRENCY = 4
"""Senders whose events are applied at the same time (on PostgreSQL each holds its event's
row lock on one pooled connection while the handler uses another)."""
STORE_TIMEOUT_SECONDS = 5.0
"""How long ``receive`` waits for the database before spooling (Twilio gives up after 15 s)."""


class Inbox:
    """Stores inbound events and processes them in order."""

    def __init__(
        self,
        app: Services,
        *,
        spool: Spool | None = None,
        store_timeout: float = STORE_TIMEOUT_SECONDS,
        handlers: Mapping[str, Handler] | None = None,
    ) -> None:
        self._app = app
        self._own = dict(handlers or {})
        self._kick = asyncio.Event()
        self._lock = asyncio.Lock()
        self._store_timeout = store_timeout
        self._spooling = False
        self._stragglers: set[asyncio.Task[bool]] = set()
        self._outage = Trouble(log, "inbox store (database)", app.board, "inbox.store")
        self._group = GroupCommit(self._store_group)
        self.spool = spool or Spool(app.settings.service.data_dir / SPOOL_FILE)
        self.replayer = SpoolReplayer(
            self.spool,
            self.store,
            moved=self._replayed,
            drained=self._spool_drained,
            trouble=Trouble(log, "inbound spool replay (database)", app.board, "spool.replay"),
        )

    async def receive(self, *, source: str, provider_id: str, payload: dict[str, Any]) -> bool:
        """Store one event; False for a replay (already stored or spooled). Processing
        follows soon. If the database cannot take it, the event is spooled durably instead
        (and replayed later); only a failure of the spool itself raises."""
        if self._handler(source) is None:
            raise ValueError(f"unknown inbound source {source!r}")
        text = json.dumps(payload, ensure_ascii=False)
        if not self._spooling:
            try:
                stored = await self._store_within(source, provider_id, text)
            except Exception as error:
                if not is_transient(error):
                    raise
                self._outage.failed(error)
                self._spooling = True
            else:
                self._outage.recovered()
                return stored
        new = await self.spool.aput(source=source, provider_id=provider_id, payload=text)
        self.replayer.wake()
        return new

    async def store(self, source: str, provider_id: str, payload: str) -> bool:
        """Write one event (payload as JSON text) to the inbox; False if it was there.
        Events stored at the same moment share one transaction (``inbound.batch``)."""
        stored = await self._group.store(source, provider_id, payload)
        if stored:
            self._kick.set()
        return stored

    async def _store_group(self, events: Sequence[Event]) -> set[tuple[str, str]]:
        async with self._app.db.transaction() as tx:
            return await tx.inbox.store_many(events, now=tx.now)

    async def _store_within(self, source: str, provider_id: str, payload: str) -> bool:
        """``store``, but give up waiting after ``store_timeout`` (raising ``TimeoutError``).
        The attempt is not cancelled (that could break a connection mid-statement): if it
        succeeds later, the spooled copy is deduplicated on replay."""
        attempt = asyncio.create_task(self.store(source, provider_id, payload))
        done, _ = await asyncio.wait({attempt}, timeout=self._store_timeout)
        if attempt in done:
            return attempt.result()
        self._stragglers.add(attempt)
        attempt.add_done_callback(self._straggler_done)
        raise TimeoutError(f"the database did not take the event within {self._store_timeout}s")

    def _straggler_done(self, attempt: asyncio.Task[bool]) -> None:
        self._stragglers.discard(attempt)
        if not attempt.cancelled() and attempt.exception() is not None:
            log.debug("a late inbox write failed (the event is spooled): %s", attempt.exception())

    def _spool_drained(self) -> None:
        if self._spooling:
            log.info("inbound spool drained; storing events in the database again")
        self._spooling = False

    def _replayed(self) -> None:
        """The replayer stored a spooled event: the database takes events again."""
        self._outage.recovered()
        self._kick.set()

    async def process_pending(self) -> int:
        """Process a batch of stored, unprocessed events; returns how many this instance
        processed. Each sender's events are processed strictly in the order they were
        stored: first every sender's leading one-transaction events (an SMS "OK"), several
        per transaction (``inbound.together``), then the rest with different senders
        concurrently (``APPLY_CONCURRENCY``). A database outage raises (the events stay
        pending); a handler's own failure becomes its outcome."""
        async with self._lock:
            async with self._app.db.read() as tx:
                events = await tx.inbox.pending(limit=APPLY_BATCH)
            together: list[Item] = []
            rest: list[tuple[str, tuple[Inbound, dict[str, Any]]]] = []
            on_own: set[str] = set()  # senders with an event that needs its own transactions
            for event in events:
                payload = json.loads(event.payload)
                sender = sender_key(event.source, payload)
                handler = _in_transaction(self._app, event.source, payload)
                if handler is not None and sender not in on_own:
                    together.append(Item(event, payload, sender, handler))
                else:
                    on_own.add(sender)
                    rest.append((sender, (event, payload)))
            applied, held = await apply_together(self._app, together, one=self._apply_item)
            return applied + await in_turn(
                [item for sender, item in rest if sender not in held],
                lambda item: sender_key(item[0].source, item[1]),
                self._process_one,
                limit=APPLY_CONCURRENCY,
            )

    async def _apply_item(self, item: Item) -> bool:
        return await self._apply(item.event, item.payload, item.handler)

    async def _process_one(self, item: tuple[Inbound, dict[str, Any]]) -> bool:
        """Handle one event and record its outcome; False if another instance holds it
        (the sender's later events must wait for it)."""
        event, payload = item
        in_tx = _in_transaction(self._app, event.source, payload)
        if in_tx is not None:
            return await self._apply(event, payload, in_tx)
        if self._app.db.dialect == "postgresql":
            return await self._process_claimed(event, payload)
        outcome = await self._handle(event, payload)  # SQLite: one instance, no claim needed
        async with self._app.db.transaction() as tx:
            await tx.inbox.mark_processed(event.id, outcome=outcome[:500], now=tx.now)
        self._applied(event, tx.now)
        return True

    async def _apply(self, event: Inbound, payload: dict[str, Any], handler: TxHandler) -> bool:
        """Apply the event, answer it and mark it processed in ONE transaction (claimed
        first on PostgreSQL); False if another instance holds it. A handler's bug rolls that
        transaction back and is recorded as the outcome in a second one."""
        try:
            async with self._app.db.transaction() as tx:
                mine = await tx.inbox.claim_in_turn(event.id)
                if mine is None:
                    return False  # another instance is handling it
                if mine:
                    [outcome] = await handler(self._app, tx, [payload])
                    await tx.inbox.mark_processed(event.id, outcome=outcome[:500], now=tx.now)
            if mine:
                self._applied(event, tx.now)
        except Exception as exc:
            if is_transient(exc):
                raise  # the event stays pending and is applied after the outage
            log.exception("inbound event %s (%s) failed", event.id, event.source)
            async with self._app.db.transaction() as tx:
                if await tx.inbox.claim_in_turn(event.id):
                    outcome = f"error: {type(exc).__name__}: {exc}"
                    await tx.inbox.mark_processed(event.id, outcome=outcome[:500], now=tx.now)
        return True

    async def _process_claimed(self, event: Inbound, payload: dict[str, Any]) -> bool:
        """Handle one event while holding its row lock, so no other instance handles it;
        False if another instance holds it, True if it is (or already was) processed."""
        async with self._app.db.transaction() as tx:
            mine = await tx.inbox.claim_in_turn(event.id)
            if mine is None:
                return False  # another instance is handling it
            if mine:
                outcome = await self._handle(event, payload)
                await tx.inbox.mark_processed(event.id, outcome=outcome[:500], now=tx.now)
        if mine:
            self._applied(event, tx.now)
        return True

    def _handler(self, source: str) -> Handler | None:
        """The handler of an event's source: the interface's own, else the providers'."""
        return self._own.get(source) or HANDLERS.get(source)

    def _applied(self, event: Inbound, now: datetime) -> None:
        """Count a committed event and how long it waited to be applied (``/metrics``)."""
        self._app.metrics.applied(event.source, (now - event.received_at).total_seconds())

    async def _handle(self, event: Inbound, payload: dict[str, Any]) -> str:
        try:
            handler = self._handler(event.source)
            if handler is None:
                return f"no handler for {event.source!r}"
            return await handler(self._app, payload)
        except BeredskabError as exc:
            return f"refused: {exc}"
        except Exception as exc:  # a bug in one handler must not stop the inbox
            if is_transient(exc):
                raise  # not the event's fault: it stays pending and is handled after the outage
            log.exception("inbound event %s (%s) failed", event.id, event.source)
            return f"error: {type(exc).__name__}: {exc}"

    async def run(self, stop: asyncio.Event) -> None:
        """Process events as they arrive until ``stop`` is set; a database outage makes the
        loop back off (capped) and resume, never end."""
        trouble = Trouble(log, "inbox processing (database)", self._app.board, "inbox.processing")
        backoff = Backoff(first=0.5, cap=10.0)
        while not stop.is_set():
            self._kick.clear()  # before looking: an event stored meanwhile kicks again
            try:
                processed = await self.process_pending()
            except Exception as error:
                if is_transient(error):
                    trouble.failed(error)
                else:
                    log.exception("inbox processing failed; retrying")
                if await backoff.wait(stop):
                    return
                continue
            trouble.recovered()
            backoff.reset()
            if processed:
                continue
            await wait_woken(self._kick, stop, 60)  # stored events kick at once; 60 s: a net
