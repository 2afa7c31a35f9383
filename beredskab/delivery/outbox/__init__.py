"""The durable outbox: workers lease due messages, hand them to channels, record outcomes.

Each channel kind has its own workers, paced by its limits, so a slow channel (SMS at one per
second) never holds up a fast one. A row is claimed with a lease; if the worker dies the lease
runs out and another worker takes the row again — for SMS only after asking Twilio whether
the message went out after all, so nobody gets the same SMS twice. Transient failures are
retried with exponential backoff (the provider's ``retry_after`` wins when longer) up to
``max_attempts``; permanent failures and exhausted retries hand the message to the person's
next channel (``beredskab.delivery.fallback``) and are written to the situation log.

Workers are event-driven, not polling: a transaction that queues rows of a channel wakes that
channel's idle workers the moment it commits (``storage.signals``: in this process at once, from
other processes by PostgreSQL NOTIFY or the SQLite wake socket). Otherwise an idle worker
sleeps until the channel's next due moment — the earliest retry time of a queued row or lease
end of a leased one — and at most ``[outbox] max_idle_seconds`` (a safety net; a modest poll
while no cross-process signal can reach the process). The fallback loop sleeps likewise until
the oldest unconfirmed row reaches ``fallback_after_seconds``.

A row that must not go out any more (its incident was closed after it was queued, or it asks
again for a confirmation already given: ``beredskab.delivery.after_close``) is expired with
the reason instead of being sent: when a worker claims it, and once more when its turn has
come, right before the channel is called.

What a crash can duplicate is bounded: at most ``[outbox] max_in_flight`` sends per channel
are handed to a provider and not yet recorded (see ``recorder``); each outcome is committed
within ``collect.RECORD_SECONDS`` of its send returning, or by the next claim's transaction
right after its round. The workers never stop on an error: a round that fails (database down,
an unexpected exception) marks the channel degraded on the health board
(``runtime.health.Board``), backs off (capped at 5 s) and resumes; one send's unexpected
exception becomes a retry of that row, never a lost lease.

Per message the database sees little: a batch is leased in one statement (two on SQLite), the
last check reads a batch's incidents and confirmations in one query each, and a group of
outcomes is one statement (``storage.repositories.delivery_batches``).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from beredskab.catalog.texts import Texts
from beredskab.delivery import after_close, fallback
from beredskab.delivery.links import LinkSigner
from beredskab.delivery.outbox.collect import collect, component
from beredskab.delivery.outbox.freshness import LastCheck, stale_in
from beredskab.delivery.outbox.health import Loops
from beredskab.delivery.outbox.messages import (
    RECEIPT_CHANNELS,
    UNKNOWN,
    Outcome,
    Reconciler,
    RetryPolicy,
    message_for,
    stored_token_rows,
)
from beredskab.delivery.outbox.recorder import Pending, Recorder, Slot
from beredskab.delivery.outbox.sending import Sender
from beredskab.delivery.pacing import PaceLimits, Pacer
from beredskab.models import ActionToken
from beredskab.observability.metrics import Metrics
from beredskab.runtime.backoff import wait_or_stop
from beredskab.runtime.health import Board, Status
from beredskab.settings import OutboxSettings
from beredskab.storage import Database, Tx
from beredskab.storage.repositories.deliveries import Claimed
from beredskab.storage.repositories.delivery_batches import Freshness
from beredskab.storage.signals import (
    DELIVERIES,
    Subscription,
    deliveries_topic,
    outbox_first,
    wait,
)
from notifier.base import Channel, Warmable
from notifier.types import ChannelKind

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

__all__ = [
    "RECEIPT_CHANNELS",
    "UNKNOWN",
    "Outbox",
    "Outcome",
    "Reconciler",
    "RetryPolicy",
    "message_for",
]

log = logging.getLogger(__name__)

ABANDON_AT = 0.95
"""A send that has not returned at 95 % of its lease (a client that ignores its timeout) is
abandoned: the round ends, and the row is taken up again after its lease like any other."""
FALLBACK = "outbox.fallback"
LAST_TRY_SECONDS = 3.0
"""At stop, how long a worker tries once more to record what the database refused."""
URGENCY = (ChannelKind.SMS, ChannelKind.VOICE, ChannelKind.TELEGRAM, ChannelKind.EMAIL)
"""The order in which one commit's wake-up reaches the channels' workers: the call-out
channels first, email (the costliest message to build) last. A process's claims take turns
in the order they ask (``Outbox._claim_turn``; on SQLite every writer does, ``storage.db``)
and each claim's sends start before the next claim, so an activation's first SMS waits for
no other channel's claim. On PostgreSQL, where the claims could run at once, they did, and
each of their round trips waited for the others' Python: the first SMS's claim committed
12–27 ms after the activation instead of 4–9 ms."""
BUSY_NAP_SECONDS = 0.2
"""An idle worker that finds rows due but could claim none (another instance holds them
locked for a moment) looks again after this long."""


class Outbox:
    """Delivers queued messages through the configured channels."""

    def __init__(
        self,
        *,
        db: Database,
        channels: Mapping[ChannelKind, Channel],
        settings: OutboxSettings,
        pacing: Mapping[ChannelKind, PaceLimits] | None = None,
        link_base: str | None = None,
        signer: LinkSigner | None = None,
        board: Board | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        """``board`` receives each loop's state (the app's, for ``/healthz``); by default a
        private one. ``metrics`` counts the recorded outcomes (``/metrics``)."""
        self._db = db
        self._channels = dict(channels)
        self._settings = settings
        self._retry = RetryPolicy(
            settings.backoff_base_seconds, settings.backoff_max_seconds, settings.max_attempts
        )
        limits = pacing or {}
        self._pacers = {kind: Pacer(limits.get(kind, PaceLimits())) for kind in self._channels}
        self._in_flight = {
            kind: asyncio.Semaphore(settings.max_in_flight) for kind in self._channels
        }
        self._last_check = LastCheck(db)
        self._sender = Sender(
            channels=self._channels,
            pacers=self._pacers,
            lease_seconds=settings.lease_seconds,
            link_base=link_base,
            signer=signer,
            stale=self._last_check,
        )
        self._signals = db.signals
        self._claim_turn = asyncio.Lock()
        """The workers' claims take turns in the order they woke (``URGENCY``); a claim is a
        few milliseconds, far below what the providers' rates ask for."""
        self._napping: dict[ChannelKind, set[Subscription]] = {k: set() for k in self._channels}
        self._recorder = Recorder(db=db, retry=self._retry, on_handover=self.wake, metrics=metrics)
        self._loops = Loops(
            board if board is not None else Board(),
            [*(component(kind) for kind in self._channels), FALLBACK],
        )

    def wake(self) -> None:
        """Tell idle workers to look now. Rarely needed: a committed transaction that queued
        messages wakes them by itself (``storage.signals``)."""
        self._signals.fire([DELIVERIES])

    def prepare(self) -> None:
        """Open the providers' connections now (``notifier.warm``), most urgent channel
        first: messages that must leave at once are about to be queued
        (``Signals.sending_soon``). Returns at once; the connections open in the background."""
        for kind in sorted(self._channels, key=URGENCY.index):
            channel = self._channels[kind]
            if isinstance(channel, Warmable):
                channel.warm()

    def asleep(self, kind: ChannelKind) -> int:
        """How many of the channel's workers are idle and not yet woken (waiting for a signal
        or a due time)."""
        return sum(not sub.fired for sub in self._napping.get(kind, ()))

    def health(self) -> dict[str, Status]:
        """Each loop's state on the board: ``outbox.<channel>`` per channel and
        ``outbox.fallback``.

        ``degraded`` while its rounds fail (the reason says why: database unavailable, an
        unexpected error, outcomes waiting to be recorded); ``ok`` again after a good round.
        """
        return self._loops.snapshot()

    async def run_once(self, *, kind: ChannelKind | None = None, owner: str | None = None) -> int:
        """One round: due fallbacks, then one paced batch per channel; returns rows handled."""
        owner = owner or uuid.uuid4().hex[:12]
        handled = await self.check_fallbacks()
        for channel_kind in [kind] if kind else list(self._channels):
            handled += await self._round(channel_kind, owner)
        return handled

    async def drain(self) -> int:
        """Deliver until nothing is due now (retries scheduled later stay queued)."""
        total = 0
        while handled := await self.run_once():
            total += handled
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Run the workers until ``stop`` is set; in-flight sends finish first.

        No error ends this: each worker backs off and resumes (see ``health()``).
        """
        kinds = sorted(self._channels, key=URGENCY.index)
        workers = [  # each channel's first worker, then the second…: the wake-up order
            self._worker(kind, stop) for _ in range(self._settings.workers) for kind in kinds
        ]
        unhook = self._signals.on_sending(self.prepare)
        try:
            await asyncio.gather(*workers, self._fallback_loop(stop))
        finally:
            unhook()

    async def check_fallbacks(self) -> int:
        """Hand over messages not confirmed sent within ``fallback_after_seconds``."""
        async with self._db.transaction() as tx:
            cutoff = tx.now - timedelta(seconds=self._settings.fallback_after_seconds)
            overdue = await tx.deliveries.overdue_for_fallback(
                created_before=cutoff, limit=100, receipt_channels=RECEIPT_CHANNELS
            )
            minutes = round(self._settings.fallback_after_seconds / 60, 1)
            for row in overdue:
                reason = _t("outbox.not_confirmed_sent", minutes=minutes)
                await fallback.after_failure(tx, row, reason)
        return len(overdue)

    async def _round(self, kind: ChannelKind, owner: str, *, carry: bool = False) -> int:
        """Record what is still unrecorded and lease a paced batch of one channel in one
        transaction, send the batch and record the outcomes in groups (``collect``); raises
        if outcomes stay unrecorded. With ``carry`` (a worker, whose next round follows at
        once) the round's last outcomes are left to the next round's claim to write."""
        settings = self._settings
        limit = self._pacers[kind].claim_limit(
            lease_seconds=settings.lease_seconds, batch_size=settings.batch_size
        )
        unwritten = self._recorder.take(kind)
        claimed_at = time.monotonic()  # no later than the database's lease start
        generation = self._last_check.generation()  # before the claim reads the numbers
        try:
            async with self._claim_turn, self._db.transaction() as tx:
                handed_over = await self._recorder.write_in(tx, unwritten)
                batch, stale, seen, tokens = await self._claim(tx, kind, owner, limit)
        except Exception:
            if unwritten:  # alone (one by one after an unexpected error); raises while refused
                self._recorder.give_back(kind, unwritten)
                await self._recorder.record(kind, [])
            raise
        self._recorder.written(unwritten, handed_over=handed_over)
        self._last_check.remember(seen[0].closed_at, seen_at=seen[1])
        rows = (c.delivery for c in batch)
        self._last_check.remember_residents(rows, seen[0], generation=generation)
        claimed_count = len(batch)
        batch = [c for c in batch if c.delivery.id not in stale]
        if not batch:
            return claimed_count
        lease_ends = claimed_at + settings.lease_seconds
        sends: dict[asyncio.Task[Pending], tuple[Claimed, Slot]] = {}
        for claimed in batch:
            slot = Slot(self._in_flight[kind])
            tokens_of = tokens.get(claimed.delivery.id, [])
            task = asyncio.create_task(
                self._sender.dispatch(
                    claimed, tokens_of, owner=owner, slot=slot, lease_ends=lease_ends
                )
            )
            sends[task] = (claimed, slot)
        give_up_at = lease_ends - settings.lease_seconds * (1 - ABANDON_AT)
        try:
            await collect(
                kind,
                sends,
                give_up_at,
                recorder=self._recorder,
                loops=self._loops,
                max_in_flight=settings.max_in_flight,
                carry=carry,
            )
        except BaseException:  # cancelled (shutdown) or failed: no send outlives its round
            for task in sends:
                task.cancel()
            raise
        return len(batch)

    async def _claim(
        self, tx: Tx, kind: ChannelKind, owner: str, limit: int
    ) -> tuple[
        list[Claimed], dict[int, str], tuple[Freshness, float], dict[int, list[ActionToken]]
    ]:
        """Lease up to ``limit`` due rows; expire those that must not go out any more (with
        the reason: ``freshness``, and what it read when); read stored button tokens for the
        others."""
        settings = self._settings
        batch = await tx.deliveries.claim(
            owner=owner,
            now=tx.now,
            lease_until=tx.now + timedelta(seconds=settings.lease_seconds),
            limit=limit,
            channel=kind,
        )
        stale, fresh, seen_at = await stale_in(tx, [c.delivery for c in batch])
        if stale:
            expired = await tx.deliveries.expire_leased(stale, owner=owner, now=tx.now)
            rows = [c.delivery for c in batch if c.delivery.id in expired]
            await after_close.log_expired(tx, rows, stale)
        sendable = (c.delivery for c in batch if c.delivery.id not in stale)
        tokens = await tx.people.tokens_for_many(stored_token_rows(sendable))
        return batch, stale, (fresh, seen_at), tokens

    async def _worker(self, kind: ChannelKind, stop: asyncio.Event) -> None:
        owner = uuid.uuid4().hex[:12]
        name = component(kind)
        sub = self._signals.subscribe(deliveries_topic(kind.value))
        try:
            await self._work(kind, owner, sub, stop)
        finally:
            sub.close()
        try:  # a last, short try for what the database refused; the leases cover the rest
            if self._recorder.unwritten(kind):
                async with asyncio.timeout(LAST_TRY_SECONDS):
                    await self._recorder.record(kind, [])
        except Exception as error:
            left = self._recorder.unwritten(kind)
            log.error(
                "%s: %d outcomes unrecorded at stop (their leases run out): %s", name, left, error
            )

    async def _work(
        self, kind: ChannelKind, owner: str, sub: Subscription, stop: asyncio.Event
    ) -> None:
        """Rounds while there is work; between them, sleep until signalled or due."""
        name = component(kind)
        while not stop.is_set():
            sub.clear()  # before looking: a commit meanwhile wakes the nap at once
            try:
                handled = await self._round(kind, owner, carry=True)
                nap = 0.0 if handled else await self._until_due(kind)
            except Exception as error:
                await wait_or_stop(stop, self._loops.degraded(name, error))
                continue
            self._loops.ok(name, waiting=self._recorder.backlog(kind))
            self._napping[kind].add(sub)
            try:
                await wait(sub, stop, nap)
            finally:
                self._napping[kind].discard(sub)

    async def _until_due(self, kind: ChannelKind) -> float:
        """Seconds an idle worker of ``kind`` may sleep: until the next due row, at most the
        safety cap (shorter while signals from other processes cannot arrive)."""
        async with self._db.read() as tx:
            due = await tx.deliveries.next_due(kind)
            now = tx.now
        return self._nap(due, now)

    def _nap(self, due: datetime | None, now: datetime) -> float:
        cap = self._signals.max_nap(self._settings.max_idle_seconds)
        if due is None:
            return cap
        seconds = (due - now).total_seconds()
        return min(cap, seconds) if seconds > 0 else min(cap, BUSY_NAP_SECONDS)

    async def _fallback_loop(self, stop: asyncio.Event) -> None:
        """Hand over overdue messages; sleep until the oldest unconfirmed one is due (woken
        when rows are queued, since their clock starts then)."""
        sub = self._signals.subscribe(DELIVERIES)
        try:
            while not stop.is_set():
                sub.clear()
                try:
                    nap = await self._fallback_round()
                except Exception as error:
                    await wait_or_stop(stop, self._loops.degraded(FALLBACK, error))
                    continue
                self._loops.ok(FALLBACK)
                await wait(sub, stop, nap)
                if sub.fired:  # its workers claim and send first
                    await outbox_first(self._db.dialect)
        finally:
            sub.close()

    async def _fallback_round(self) -> float:
        """Hand over what is overdue (a write only when something is); returns the nap."""
        after = timedelta(seconds=self._settings.fallback_after_seconds)
        async with self._db.read() as tx:
            oldest = await tx.deliveries.next_fallback(receipt_channels=RECEIPT_CHANNELS)
            now = tx.now
        if oldest is not None and oldest + after <= now and await self.check_fallbacks():
            return 0.0  # there may be more than one batch
        return self._nap(None if oldest is None else oldest + after, now)
