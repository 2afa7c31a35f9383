"""Email-link answers that arrive together share one transaction.

A POST behind an acknowledgement link checks the link, spends it and records the answer in
one transaction (``incident.link_answers.answer_in``). ``serve`` gathers concurrent POSTs
the way the inbox gathers webhooks (``inbound.batch``): while one group's transaction runs,
the next gathers, and each caller is answered only after the transaction holding its answer
has committed. Per answer that saves the begin, the clock read and the commit, and on SQLite
a turn at the write lock; on PostgreSQL the incident's log chain lock, which every answer to
one incident queues for, is taken once per group. Confirmations that follow one another in a
group are read, spent and recorded together (``incident.link_answers.confirm_many_in``):
five statements for the lot instead of five for each, which on PostgreSQL is five round
trips instead of five per answer.

The answers of one transaction stay independent: a confirmation refused by its link's checks
(used, expired, stood down) is refused before anything of it is written, so the others go
on; a decline, whose deputy request may fail after writing, runs in a savepoint. A group
that fails for any other reason (a bug, a constraint) is rolled back and its answers run
again one per transaction (``incident.link_answers.answer``), where the failing one fails
alone; a database outage fails the group's callers (nothing of theirs was committed). On
SQLite a transaction takes no further answer once it has been open ``GROUP_SECONDS`` (it
holds the one write lock, which webhooks storing their events wait for); the rest go to the
next transaction."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from itertools import takewhile

from beredskab.boundary.action_tokens import Ref
from beredskab.delivery.links import LinkError, LinkSigner, verified
from beredskab.incident.link_answers import LinkAnswer, answer, answer_in, confirm_many_in
from beredskab.plan import Plan
from beredskab.storage import Database, Tx, is_transient

MAX_GROUP = 50
"""Answers per transaction at most."""
GROUP_SECONDS = 0.02
"""On SQLite a transaction takes no further answer once it has been open this long."""


@dataclass(frozen=True)
class _Ask:
    """One POST's answer: the link it came through (``signed``, checked to ``ref``)."""

    plan: Plan
    signer: LinkSigner
    signed: str
    ref: Ref
    hours: float
    decline: bool


_Waiting = tuple[_Ask, "asyncio.Future[LinkAnswer]"]


class LinkAnswers:
    """Answers link POSTs, several per transaction when they arrive together."""

    def __init__(
        self, db: Database, *, max_group: int = MAX_GROUP, seconds: float = GROUP_SECONDS
    ) -> None:
        self._db = db
        self._max_group = max_group
        self._seconds = seconds
        self._waiting: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None

    async def answer(
        self, *, plan: Plan, signer: LinkSigner, signed: str, hours: float, decline: bool = False
    ) -> LinkAnswer:
        """``links.answer``, in a transaction shared with the answers waiting beside it;
        returns once that transaction has committed. A forged link is refused at once."""
        ref = verified(signer, signed)
        future: asyncio.Future[LinkAnswer] = asyncio.get_running_loop().create_future()
        self._waiting.append((_Ask(plan, signer, signed, ref, hours, decline), future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            group = [item for item in self._waiting[: self._max_group] if not item[1].done()]
            del self._waiting[: self._max_group]
            if not group:
                continue
            try:
                outcomes, rest = await self._together(group)
            except Exception as error:
                if is_transient(error):
                    _fail(group, error)
                else:
                    await self._one_by_one(group)
                continue
            except BaseException:
                for _, future in group:
                    future.cancel()
                raise
            self._waiting[:0] = rest  # not taken (SQLite's time bound): first in the next one
            for future, outcome in outcomes:
                if future.done():  # the caller went away; its answer stands
                    continue
                if isinstance(outcome, LinkError):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    async def _together(
        self, group: list[_Waiting]
    ) -> tuple[list[tuple[asyncio.Future[LinkAnswer], LinkAnswer | LinkError]], list[_Waiting]]:
        """Answer the group's oldest first in one transaction; the outcomes, and the answers
        left for the next transaction."""
        loop = asyncio.get_running_loop()
        outcomes: list[tuple[asyncio.Future[LinkAnswer], LinkAnswer | LinkError]] = []
        async with self._db.transaction() as tx:
            ends = loop.time() + self._seconds if tx.dialect == "sqlite" else float("inf")
            while len(outcomes) < len(group) and not (outcomes and loop.time() >= ends):
                ask, future = group[len(outcomes)]
                if ask.decline:
                    try:
                        async with tx.savepoint():
                            outcome: LinkAnswer | LinkError = await _decline_in(tx, ask)
                    except LinkError as refusal:
                        outcome = refusal
                    outcomes.append((future, outcome))
                    continue
                run = _confirmations(group[len(outcomes) :])
                links = [(item.ref, item.hours) for item, _ in run]
                answers = await confirm_many_in(tx, plan=ask.plan, links=links)
                outcomes.extend(zip((f for _, f in run), answers, strict=True))
        return outcomes, group[len(outcomes) :]

    async def _one_by_one(self, group: list[_Waiting]) -> None:
        """Each answer in a transaction of its own: a failing one fails alone."""
        for ask, future in group:
            try:
                result = await answer(
                    db=self._db,
                    plan=ask.plan,
                    signer=ask.signer,
                    signed=ask.signed,
                    hours=ask.hours,
                    decline=ask.decline,
                )
            except Exception as error:
                _fail([(ask, future)], error)
            else:
                if not future.done():
                    future.set_result(result)


def _confirmations(group: list[_Waiting]) -> list[_Waiting]:
    """The confirmations at the head of ``group`` under the first one's plan (a decline, or
    an answer given under a reloaded plan, starts the next run)."""
    plan = group[0][0].plan
    return list(takewhile(lambda item: not item[0].decline and item[0].plan is plan, group))


async def _decline_in(tx: Tx, ask: _Ask) -> LinkAnswer:
    return await answer_in(tx, plan=ask.plan, ref=ask.ref, hours=ask.hours, decline=True)


def _fail(group: list[_Waiting], error: Exception) -> None:
    for _, future in group:
        if not future.done():
            future.set_exception(error)
