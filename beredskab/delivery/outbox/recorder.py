"""Recording send outcomes: grouped commits, and nothing forgotten while the database is down.

Each outcome holds one of its channel's in-flight slots until it is committed, so "sent but
not recorded" never exceeds ``[outbox] max_in_flight`` per channel — the most a crash can
duplicate. An outcome that cannot be written (database unreachable, lock held past the busy
timeout) stays in memory, in the channel's backlog, and is written before that channel
claims anything new; its row stays leased meanwhile. Only an outcome that fails on its own
with an unexpected error is given up, and only once its lease has run out: the row is then
taken up again like any abandoned row (SMS after asking Twilio whether it went out).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from beredskab.catalog.texts import Texts
from beredskab.delivery import after_close, fallback
from beredskab.delivery.outbox.messages import Outcome, RetryPolicy
from beredskab.observability.logs import ids, redact
from beredskab.observability.metrics import Metrics, outcome_label
from beredskab.storage import Database, Tx, is_transient
from beredskab.storage.repositories.delivery_batches import Finished
from notifier.types import ChannelKind, DeliveryStatus

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

log = logging.getLogger("beredskab.delivery.outbox")


class Slot:
    """One of a channel's in-flight slots, released at most once (when its outcome is
    recorded, or when its send is cancelled or abandoned)."""

    def __init__(self, slots: asyncio.Semaphore) -> None:
        self._slots = slots
        self._held = False

    async def acquire(self) -> None:
        """Wait for a free slot."""
        await self._slots.acquire()
        self._held = True

    def release(self) -> None:
        """Give the slot back; idempotent."""
        if self._held:
            self._held = False
            self._slots.release()


@dataclass(eq=False)
class Pending:
    """An outcome waiting to be written, with the in-flight slot it holds until then."""

    outcome: Outcome
    owner: str
    lease_ends: float
    """``time.monotonic()`` when the row's lease runs out."""
    slot: Slot


class Recorder:
    """Writes outcomes in one transaction per group; keeps what could not be written."""

    def __init__(
        self,
        *,
        db: Database,
        retry: RetryPolicy,
        on_handover: Callable[[], None],
        metrics: Metrics | None = None,
    ) -> None:
        self._db = db
        self._metrics = metrics
        self._retry = retry
        self._on_handover = on_handover
        self._backlog: dict[ChannelKind, list[Pending]] = {}
        self._carried: dict[ChannelKind, list[Pending]] = {}

    def backlog(self, kind: ChannelKind) -> int:
        """Outcomes of a channel whose write failed and that wait for the next try."""
        return len(self._backlog.get(kind, []))

    def unwritten(self, kind: ChannelKind) -> int:
        """Outcomes of a channel sent but not yet recorded (failed or carried)."""
        return self.backlog(kind) + len(self._carried.get(kind, []))

    def carry(self, kind: ChannelKind, items: list[Pending]) -> None:
        """Keep a round's last outcomes for the channel's next claim, which writes them in its
        own transaction (``take``/``write_in``) a moment later: one commit fewer per round."""
        self._carried.setdefault(kind, []).extend(items)

    def take(self, kind: ChannelKind) -> list[Pending]:
        """Everything of the channel waiting to be written, taken out: write it with
        ``write_in`` and ``written``, or hand it back with ``give_back``."""
        return self._backlog.pop(kind, []) + self._carried.pop(kind, [])

    def give_back(self, kind: ChannelKind, items: list[Pending]) -> None:
        """Taken outcomes that could not be written: into the backlog."""
        if items:
            self._backlog[kind] = items + self._backlog.get(kind, [])

    async def record(self, kind: ChannelKind, items: list[Pending]) -> None:
        """Write the channel's backlog, carried outcomes and ``items``; raise if any stays
        unrecorded."""
        items = self.take(kind) + items
        if not items:
            return
        try:
            await self._write(items)
        except Exception as error:
            if not is_transient(error) and len(items) > 1:
                items = await self._one_by_one(items)
            if items:
                self.give_back(kind, items)
                raise

    async def _one_by_one(self, items: list[Pending]) -> list[Pending]:
        """After an unexpected error: write each alone, so one bad outcome blocks no other."""
        left: list[Pending] = []
        for item in items:
            try:
                await self._write([item])
            except Exception as error:
                if is_transient(error) or time.monotonic() < item.lease_ends:
                    left.append(item)
                    continue
                log.error(
                    "cannot record the outcome of delivery %s (%s); its lease has run out, "
                    "so it is taken up again like an abandoned row",
                    item.outcome.delivery.id,
                    item.outcome.kind,
                    exc_info=error,
                )
                item.slot.release()
        return left

    async def _write(self, items: list[Pending]) -> None:
        """One transaction for the group."""
        async with self._db.transaction() as tx:
            handed_over = await self.write_in(tx, items)
        self.written(items, handed_over=handed_over)

    async def write_in(self, tx: Tx, items: list[Pending]) -> bool:
        """Write ``items`` in ``tx``: sends and retries in one statement, the rest (rare:
        failures, which hand over to the next channel; expiries; releases) one by one. True
        if a message was handed to its next channel. Call ``written`` once ``tx`` committed."""
        handed_over = False
        plain: list[Finished] = []
        for item in items:
            finished = self._plain(tx, item)
            if finished is not None:
                plain.append(finished)
            else:
                handed_over |= await self._write_one(tx, item)
        await tx.deliveries.finish_many(plain, now=tx.now)
        return handed_over

    def written(self, items: list[Pending], *, handed_over: bool) -> None:
        """``items`` are committed: free their in-flight slots (and wake the workers for a
        hand-over's new row)."""
        for item in items:
            item.slot.release()
        if self._metrics is not None and items:  # one tally per committed group
            self._metrics.outcomes(self._labels(item.outcome) for item in items)
        if handed_over:
            self._on_handover()

    def _labels(self, outcome: Outcome) -> tuple[str, str, str | None]:
        """(channel, outcome label, error) of a recorded outcome, for ``Metrics.outcomes``."""
        delivery = outcome.delivery
        label = outcome_label(
            outcome.kind, outcome.status.value, delivery.attempts, self._retry.max_attempts
        )
        return delivery.channel.value, label, outcome.error

    def _plain(self, tx: Tx, item: Pending) -> Finished | None:
        """A sent or retried outcome as a row of ``finish_many``; None for the other kinds."""
        outcome = item.outcome
        delivery = outcome.delivery
        if outcome.kind == "sent":
            return Finished(
                delivery.id, item.owner, outcome.status, provider_id=outcome.provider_id
            )
        if outcome.kind == "retry" and delivery.attempts < self._retry.max_attempts:
            log.warning(
                "delivery %s attempt %s: %s",
                delivery.id,
                delivery.attempts,
                redact(outcome.error or ""),  # a provider's text may quote the recipient
                extra=ids(incident=delivery.incident_id, delivery=delivery.id),
            )
            delay = self._retry.delay(delivery.attempts, outcome.retry_after)
            return Finished(
                delivery.id,
                item.owner,
                DeliveryStatus.QUEUED,
                error=outcome.error,
                retry_at=tx.now + timedelta(seconds=delay),
            )
        return None

    async def _write_one(self, tx: Tx, item: Pending) -> bool:
        """Record one outcome in ``tx``; True if the message was handed to fallback."""
        outcome, owner = item.outcome, item.owner
        delivery, error = outcome.delivery, outcome.error
        if outcome.kind == "release":
            await tx.deliveries.release(delivery.id, owner=owner, now=tx.now)
            return False
        if outcome.kind == "expire":
            reason = error or after_close.CLOSED
            if await tx.deliveries.expire_leased({delivery.id: reason}, owner=owner, now=tx.now):
                await after_close.log_expired(tx, [delivery], {delivery.id: reason})
            return False
        if outcome.kind == "retry":
            error = f"gave up after {delivery.attempts} attempts: {error}"
        if await tx.deliveries.finish(
            delivery.id, owner=owner, status=DeliveryStatus.FAILED, now=tx.now, error=error
        ):
            await fallback.after_failure(tx, delivery, error or _t("outbox.unknown_error"))
            return True
        return False
