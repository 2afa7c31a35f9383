"""The last look before a send: must this row still go out (``incident.after_close``)?

Asked twice: for a whole batch when a worker leases it (``stale_in``, in the claiming
transaction), and by the sender when a row's turn has come, right before the channel is
called (``LastCheck``). Both read what they need for many rows in one query per table
(``DeliveryRepo.freshness``): the incidents' close times, and the confirmation of each row
that asks again for one, and whether a resident message's number is still subscribed (a
STOP takes effect before the next provider request, also in the middle of a large send).

``LastCheck`` keeps what it read: an incident seen open less than ``OPEN_RECHECK_SECONDS``
ago is not read again — the claim's own read counts, so a batch sent at once after its claim
is not read again at all — and a closed one is never read again. A row that asks again for a
confirmation always has its confirmation read. Checks that start together (a round's sends)
share one read.

Whether a resident's number is still subscribed is kept too, but only as long as nothing
could have changed it unseen: every transaction that starts, ends or erases a subscription,
or closes an incident, signals ``RESIDENTS`` after its commit (in this process at once, from
others by NOTIFY or the wake socket), and what was read before such a signal is forgotten;
while signals from other processes cannot arrive (``Signals.listening`` False), every
resident SMS is read again. So a STOP or a stand-down stops the rest of a send at once, and a
20,000-subscriber send is not one read per message (each a few thread hand-offs on SQLite,
in line before its start slot).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from beredskab.delivery import after_close
from beredskab.models import ConfirmationStatus, Delivery
from beredskab.storage import Database, Tx
from beredskab.storage.repositories.delivery_batches import Freshness
from beredskab.storage.signals import RESIDENTS

OPEN_RECHECK_SECONDS = 1.0
"""How long an incident seen open is taken to be still open."""
PENDING = ConfirmationStatus.PENDING.value


def reason(
    delivery: Delivery,
    closed_at: datetime | None,
    confirmation: str | None,
    *,
    subscribed: bool = True,
) -> str | None:
    """``after_close.stale_reason`` from what ``DeliveryRepo.freshness`` read: the incident's
    close time and the person's confirmation state (None: no such row); ``subscribed``: for a
    resident message, whether the number is still subscribed."""
    if closed_at is not None and delivery.created_at < closed_at:
        return after_close.CLOSED
    if not subscribed and after_close.to_resident(delivery):
        return after_close.UNSUBSCRIBED
    if after_close.re_asks(delivery) and confirmation is not None and confirmation != PENDING:
        return after_close.CONFIRMED
    return None


def _wanted(rows: Iterable[Delivery]) -> tuple[set[int], set[tuple[int, str]], set[str]]:
    """The incidents, (incident, person) confirmations and resident numbers the rows'
    checks need."""
    ids: set[int] = set()
    pairs: set[tuple[int, str]] = set()
    phones: set[str] = set()
    for row in rows:
        if row.incident_id is None:
            continue
        ids.add(row.incident_id)
        if after_close.re_asks(row):
            pairs.add((row.incident_id, row.person_id))
        if after_close.to_resident(row):
            phones.add(row.address)
    return ids, pairs, phones


def _reasons(rows: Iterable[Delivery], fresh: Freshness) -> dict[int, str]:
    out: dict[int, str] = {}
    for row in rows:
        if row.incident_id is None:
            continue
        why = reason(
            row,
            fresh.closed_at.get(row.incident_id),
            fresh.confirmations.get((row.incident_id, row.person_id)),
            subscribed=row.address in fresh.subscribed,
        )
        if why is not None:
            out[row.id] = why
    return out


async def stale_in(tx: Tx, rows: Sequence[Delivery]) -> tuple[dict[int, str], Freshness, float]:
    """The rows that must not be sent, with the reason; what was read to decide, and when
    (``time.monotonic()`` just before the read: for ``LastCheck.remember``)."""
    ids, pairs, phones = _wanted(rows)
    seen_at = time.monotonic()
    fresh = await tx.deliveries.freshness(ids, pairs, phones)
    return _reasons(rows, fresh), fresh, seen_at


class _Batch:
    """Checks that share one read."""

    def __init__(self) -> None:
        self.rows: list[Delivery] = []
        self.reasons: dict[int, str] = {}
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.done.add_done_callback(_retrieved)  # every follower may have been cancelled
        self.followers = 0


def _retrieved(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()


class LastCheck:
    """Why a row whose turn has come must not be sent after all, with a per-incident cache."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._closed_at: dict[int, datetime] = {}
        self._open_seen: dict[int, float] = {}
        self._batch: _Batch | None = None
        self._changes = db.signals.subscribe(RESIDENTS)
        self._generation = 0
        self._subscribed: dict[str, bool] = {}
        """Resident numbers read since the last ``RESIDENTS`` signal: still subscribed?"""

    def generation(self) -> int:
        """Which state of the subscriptions is current: take it before a read whose resident
        answers are to be kept (``remember_residents``); a signal since moves it on."""
        if self._changes.fired:
            self._changes.clear()
            self._subscribed.clear()
            self._generation += 1
        return self._generation

    def remember_residents(
        self, rows: Iterable[Delivery], fresh: Freshness, *, generation: int
    ) -> None:
        """Keep whether the resident rows' numbers were subscribed, as read by a read that
        began at ``generation`` (nothing when a signal came since, or none could arrive)."""
        if generation != self.generation() or not self._db.signals.listening:
            return
        for row in rows:
            if after_close.to_resident(row):
                self._subscribed[row.address] = row.address in fresh.subscribed

    def _resident(self, delivery: Delivery) -> tuple[bool, str | None]:
        """(answered from what is known, the reason) for a resident message whose incident
        is known to be open."""
        self.generation()
        known = self._subscribed.get(delivery.address)
        if known is None or not self._db.signals.listening:
            return False, None
        return True, None if known else after_close.UNSUBSCRIBED

    def remember(self, closed_at: Mapping[int, datetime | None], *, seen_at: float) -> None:
        """Take incidents' states read elsewhere (the claim) at ``seen_at`` (monotonic)."""
        for incident_id, closed in closed_at.items():
            if closed is not None:
                self._closed_at[incident_id] = closed
            elif self._open_seen.get(incident_id, -1.0) < seen_at:
                self._open_seen[incident_id] = seen_at

    def _known(self, delivery: Delivery) -> tuple[bool, str | None]:
        """(answered from what is known, the reason)."""
        incident_id = delivery.incident_id
        if incident_id is None:
            return True, None
        closed_at = self._closed_at.get(incident_id)
        if closed_at is not None and delivery.created_at < closed_at:
            return True, after_close.CLOSED
        if after_close.re_asks(delivery):
            return False, None  # the confirmation: always read
        if closed_at is not None:
            if after_close.to_resident(delivery):
                return self._resident(delivery)
            return True, None  # queued at or after the close: the stand-down itself
        seen = self._open_seen.get(incident_id)
        if seen is not None and time.monotonic() - seen < OPEN_RECHECK_SECONDS:
            return self._resident(delivery) if after_close.to_resident(delivery) else (True, None)
        return False, None

    async def __call__(self, delivery: Delivery) -> str | None:
        """The reason (``after_close``) or None when the row may go out."""
        known, why = self._known(delivery)
        if known:
            return why
        batch = self._batch
        if batch is not None:  # a read is being gathered: join it
            batch.rows.append(delivery)
            batch.followers += 1
            await asyncio.shield(batch.done)  # a cancelled follower leaves the read alone
            return batch.reasons.get(delivery.id)
        batch = self._batch = _Batch()
        batch.rows.append(delivery)
        try:
            await asyncio.sleep(0)  # the checks started together with this one join
            self._batch = None
            await self._read(batch)
        except BaseException as error:
            if self._batch is batch:
                self._batch = None
            if batch.followers:
                batch.done.set_exception(
                    error if isinstance(error, Exception) else RuntimeError("check interrupted")
                )
            raise
        if batch.followers:
            batch.done.set_result(None)
        return batch.reasons.get(delivery.id)

    async def _read(self, batch: _Batch) -> None:
        ids, pairs, phones = _wanted(batch.rows)
        generation = self.generation()
        seen_at = time.monotonic()
        async with self._db.read() as tx:
            fresh = await tx.deliveries.freshness(ids, pairs, phones)
        self.remember({i: fresh.closed_at.get(i) for i in ids}, seen_at=seen_at)
        self.remember_residents(batch.rows, fresh, generation=generation)
        batch.reasons = _reasons(batch.rows, fresh)
