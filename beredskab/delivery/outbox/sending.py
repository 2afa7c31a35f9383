"""Handing one leased row to its channel: reconcile first if an earlier try may have gone
out, wait for the channel's pace and an in-flight slot, send within a bound, and turn every
way a send can end — including a channel's bug — into an ``Outcome``."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from beredskab.delivery.links import LinkSigner
from beredskab.delivery.outbox.messages import UNKNOWN, Outcome, Reconciler, message_for
from beredskab.delivery.outbox.recorder import Pending, Slot
from beredskab.delivery.pacing import Pacer
from beredskab.models import ActionToken, Delivery
from beredskab.observability.logs import bind
from beredskab.storage.repositories.deliveries import Claimed
from notifier.base import Channel
from notifier.errors import (
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnknownOutcomeError,
    stray_cancellation,
)
from notifier.types import ChannelKind

log = logging.getLogger("beredskab.delivery.outbox")

START_WITHIN = 0.6
SEND_WITHIN = 0.3
"""A leased row's send must start within 60 % of the lease and is cut off (outcome unknown)
after 30 %, so it is recorded before the lease runs out and nobody else takes the row while
it is in the air. A row whose turn comes later is given back unsent."""

StaleCheck = Callable[[Delivery], Awaitable[str | None]]
"""Why a row must not be sent any more (its incident closed meanwhile, …), or None."""


class Sender:
    """Sends leased rows through the channels, paced per channel."""

    def __init__(
        self,
        *,
        channels: Mapping[ChannelKind, Channel],
        pacers: Mapping[ChannelKind, Pacer],
        lease_seconds: float,
        link_base: str | None,
        signer: LinkSigner | None,
        stale: StaleCheck | None = None,
    ) -> None:
        """``stale`` is asked once more when a row's turn has come, right before the send."""
        self._channels = channels
        self._stale = stale
        self._pacers = pacers
        self._lease_seconds = lease_seconds
        self._link_base = link_base
        self._signer = signer

    async def dispatch(
        self,
        claimed: Claimed,
        tokens: list[ActionToken],
        *,
        owner: str,
        slot: Slot,
        lease_ends: float,
    ) -> Pending:
        """Send one leased row within the channel's in-flight bound; never raises (except
        when cancelled). ``tokens`` are the row's stored action tokens (only rows without
        derived ones have any, see ``messages.stored_token_rows``). The slot is released
        once the outcome is recorded."""
        bind(incident=claimed.delivery.incident_id, delivery=claimed.delivery.id)  # own task
        await slot.acquire()
        try:
            start_by = lease_ends - self._lease_seconds * (1 - START_WITHIN)
            outcome = await self.send(claimed, tokens, start_by)
        except Exception as error:  # a bug in a channel or here: retry the row, keep its lease
            log.exception("delivery %s: unexpected error while sending", claimed.delivery.id)
            outcome = Outcome(
                claimed.delivery,
                "retry",
                error=f"{UNKNOWN}: unexpected {type(error).__name__}: {error}",
            )
        except asyncio.CancelledError:
            if not stray_cancellation():  # shutting down: the row stays leased
                slot.release()
                raise
            log.exception(
                "delivery %s: the channel's client cancelled the send", claimed.delivery.id
            )
            outcome = Outcome(claimed.delivery, "retry", error=f"{UNKNOWN}: send cancelled")
        except BaseException:
            slot.release()
            raise
        return Pending(outcome=outcome, owner=owner, lease_ends=lease_ends, slot=slot)

    async def send(self, claimed: Claimed, tokens: list[ActionToken], start_by: float) -> Outcome:
        """Hand one leased row to its channel (after reconciling an uncertain earlier try),
        unless its turn came after ``start_by`` (monotonic): then it is given back unsent."""
        delivery = claimed.delivery
        channel = self._channels.get(delivery.channel)
        if channel is None:
            return Outcome(delivery, "fail", error=f"no channel for {delivery.channel.value}")
        uncertain = claimed.abandoned or (delivery.error or "").startswith(UNKNOWN)
        if uncertain and isinstance(channel, Reconciler):
            since = delivery.created_at - timedelta(minutes=1)
            try:
                found = await channel.find_recent(delivery.address, since, delivery.short_text)
            except DeliveryError as exc:
                return Outcome(delivery, "retry", error=f"{UNKNOWN}: lookup failed: {exc}")
            if found:
                log.info("delivery %s had already gone out as %s", delivery.id, found[0])
                return Outcome(delivery, "sent", provider_id=found[0])
        recipient, message = message_for(
            delivery, tokens, link_base=self._link_base, signer=self._signer
        )
        within = self._lease_seconds * SEND_WITHIN
        held: Outcome | None = None

        async def last_look() -> bool:  # asked when next in line: nothing waits after the slot
            nonlocal held
            if time.monotonic() > start_by:
                held = Outcome(delivery, "release")
                return False
            reason = await self._stale(delivery) if self._stale is not None else None
            if reason is not None:
                held = Outcome(delivery, "expire", error=reason)
            return held is None

        try:
            async with self._pacers[delivery.channel].turn(delivery.address, last_look) as go:
                if not go:
                    assert held is not None
                    return held
                if time.monotonic() > start_by:  # the slot came late (a rate below 1/s)
                    return Outcome(delivery, "release")
                async with asyncio.timeout(within):
                    receipt = await channel.send(recipient, message)
        except PermanentDeliveryError as exc:
            return Outcome(delivery, "fail", error=str(exc))
        except (TransientDeliveryError, UnknownOutcomeError, TimeoutError, OSError) as exc:
            if isinstance(exc, TimeoutError):
                exc = UnknownOutcomeError(f"no answer within {within:g}s")
            elif isinstance(exc, OSError):
                exc = UnknownOutcomeError(f"connection lost: {exc}")
            retry_after = exc.retry_after if isinstance(exc, TransientDeliveryError) else None
            return Outcome(
                delivery, "retry", error=f"{type(exc).__name__}: {exc}", retry_after=retry_after
            )
        return Outcome(delivery, "sent", status=receipt.status, provider_id=receipt.provider_id)


class SendsAbandoned(Exception):
    """Sends of a round did not return within their lease; their rows are taken up again."""


def _retrieve(task: asyncio.Task[Pending]) -> None:
    """Done callback of an abandoned send: consume its result so nothing is logged twice."""
    if not task.cancelled():
        task.exception()


def abandon(
    kind: ChannelKind,
    pending: set[asyncio.Task[Pending]],
    sends: Mapping[asyncio.Task[Pending], tuple[Claimed, Slot]],
) -> SendsAbandoned:
    """Stop waiting for sends that outlived their lease; free their slots."""
    ids = sorted(sends[task][0].delivery.id for task in pending)
    for task in pending:
        task.cancel()
        task.add_done_callback(_retrieve)
        sends[task][1].release()
    error = SendsAbandoned(
        f"{len(ids)} {kind.value} sends did not return within their lease "
        f"(deliveries {ids[:10]}); they are taken up again after the lease"
    )
    log.error("%s", error)
    return error
