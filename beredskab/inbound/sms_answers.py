"""SMS commands answered in ONE transaction with their reply: "OK", "NEJ", help and the
answers to what is not a command.

The inbox runs these in the transaction that also marks the event processed
(``Inbox._apply``), so the acknowledgement, its situation-log entry, the reply SMS and the
processed mark commit together or not at all: a crash before the commit leaves the event
pending and nothing applied, a crash after it leaves nothing to do. A refusal rolls back
only the change (a savepoint) and queues its answer instead.

``beredskab.inbound.sms_commands`` handles the commands that need transactions of their own
(activation with its PIN, status, log, tasks, stand-down).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from argon2 import PasswordHasher

from beredskab.delivery import replies
from beredskab.delivery.replies import SmsReply
from beredskab.errors import BeredskabError, NotAuthorisedError, render
from beredskab.i18n import Language
from beredskab.i18n import status as status_word
from beredskab.inbound import sms
from beredskab.inbound import subscribe as residents
from beredskab.inbound.sms_texts import text
from beredskab.incident import acknowledgements
from beredskab.incident.acknowledgements import AckResult, Confirming
from beredskab.security import pins
from beredskab.storage import Tx
from beredskab.storage.repositories.delivery_lookups import AckTarget
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.services import Services

CHANNEL = "sms"


@dataclass(frozen=True)
class Answer:
    """What to reply and what to log in the inbox."""

    text: str
    outcome: str
    passive: bool = False


@dataclass(frozen=True)
class Ctx:
    """Who wrote (a person in the directory) and the service answering them."""

    app: Services
    person: Person
    phone: str
    hasher: PasswordHasher

    @property
    def lang(self) -> Language:
        return self.person.language

    def t(self, key: str, **values: object) -> str:
        return text(key, self.lang, **values)

    def error(self, key: str, outcome: str, **values: object) -> Answer:
        return Answer(self.t(key, **values), outcome, passive=True)


ONE_TRANSACTION = (sms.Ack, sms.Decline, sms.Help, sms.Malformed, sms.Unknown)
"""The commands ``handle_in`` answers in the caller's transaction."""


def one_transaction(*, app: Services, sender: str, body: str, opt_out: str = "") -> bool:
    """True when ``handle_in`` can run this SMS: one of ``ONE_TRANSACTION`` from a person in
    the directory, or anything from an unknown number but a resident's TILMELD/STOP (an
    unknown number changes nothing); never a message Twilio forwards as an opt-out."""
    if residents.twilio_stop(opt_out):
        return False
    phone = sender.strip()
    command = sms.parse(body)
    if app.plan.directory.by_phone(phone) is None:
        return not residents.accepts(command, phone=phone)
    return isinstance(command, ONE_TRANSACTION)


async def handle_in(
    tx: Tx, *, app: Services, sender: str, body: str, hasher: PasswordHasher = pins.DEFAULT_HASHER
) -> str:
    """Run a ``one_transaction`` SMS in ``tx`` and queue its reply there; the outcome
    (``handle_many_in`` of one)."""
    return (await handle_many_in(tx, app=app, messages=[(sender, body)], hasher=hasher))[0]


async def handle_many_in(
    tx: Tx,
    *,
    app: Services,
    messages: Sequence[tuple[str, str]],
    hasher: PasswordHasher = pins.DEFAULT_HASHER,
) -> list[str]:
    """Run ``one_transaction`` SMSs (sender, body) in ``tx`` as ``handle_in`` would one after
    the other, and queue their replies there; the outcomes in order. The plain "OK"s are
    looked up together (one query, again after each write), those in a row confirmed
    together (``acknowledgements.confirm_many_in``: a few statements for all of them) and
    the replies that are not passive queued in one statement."""
    answers: list[tuple[Ctx, Answer] | None] = []  # None: an unknown number
    parsed = [(sender.strip(), sms.parse(body)) for sender, body in messages]
    plain = [p for p, c in parsed if c == sms.Ack() and app.plan.directory.by_phone(p)]
    acks = _Acks(tx, answers, plain)
    for phone, command in parsed:
        person = app.plan.directory.by_phone(phone)
        if person is None:
            answers.append(None)
            continue
        ctx = Ctx(app=app, person=person, phone=phone, hasher=hasher)
        if isinstance(command, sms.Ack):
            await acks.add(ctx, command)
            continue
        await acks.flush()  # what the "OK"s before it write comes first
        answers.append((ctx, await _answer(ctx, tx, command)))
        acks.written()
    await acks.flush()
    wanted = [found for found in answers if found is not None and found[1].text]
    sent = iter(
        await replies.sms_replies(
            tx,
            [SmsReply(ctx.phone, a.text, ctx.person.id, passive=a.passive) for ctx, a in wanted],
            passive_per_hour=app.settings.security.passive_replies_per_hour,
        )
    )
    return [
        "unknown number"
        if found is None
        else outcome(found[1], next(sent) if found[1].text else True)
        for found in answers
    ]


async def _answer(ctx: Ctx, tx: Tx, command: sms.Command) -> Answer:
    """The answer to a ``one_transaction`` command other than "OK", its change written."""
    match command:
        case sms.Decline(code):
            try:  # a decline asks the deputy after writing: a refusal rolls back to here
                async with tx.savepoint():
                    return await _acknowledge(ctx, tx, code, decline=True)
            except BeredskabError as exc:
                return refusal(ctx, command, exc)
        case sms.Help():
            return ctx.error("help", "help")
        case sms.Malformed(keyword):
            return Answer(sms.usage(keyword, ctx.lang), f"malformed {keyword}", passive=True)
        case sms.Unknown():
            return ctx.error("unknown_command", "unknown command")
        case _:
            raise AssertionError(f"{command!r} is not answered in one transaction")


class _Acks:
    """The "OK"s of a row, looked up and confirmed together on ``flush``. Each (incident,
    person) is in a row once: an "OK" that would confirm one already in it flushes the row
    first and is looked up again, so every lookup sees what the "OK"s before it wrote, as
    one after the other. The plain "OK"s still ahead are looked up in one query
    (``pending_ack_targets``), again after each write."""

    def __init__(
        self, tx: Tx, answers: list[tuple[Ctx, Answer] | None], plain: Sequence[str]
    ) -> None:
        self._tx = tx
        self._answers = answers
        self._row: list[tuple[int, Ctx, Confirming]] = []
        self._ahead = list(reversed(plain))  # the numbers of the plain "OK"s to come, last first
        self._known: dict[str, AckTarget | None] | None = None  # their targets, until a write

    async def add(self, ctx: Ctx, command: sms.Ack) -> None:
        """Look up what this "OK" confirms; answer it at once if nothing is to be written."""
        slot = len(self._answers)
        self._answers.append(None)
        found = await self._target(ctx, command.code)
        if isinstance(found, AckTarget) and any(
            (c.incident.id, c.person.id) == (found.incident_id, found.person_id)
            for _, _, c in self._row
        ):
            await self.flush()
            found = await self._target(ctx, command.code)
        if command.code is None and self._ahead and self._ahead[-1] == ctx.phone:
            self._ahead.pop()  # looked up: no longer ahead
        if isinstance(found, Answer):
            self._answers[slot] = (ctx, found)
            return
        person = ctx.app.plan.directory.person(found.person_id)
        if person is None or found.confirmation is None:  # refused by ``record_in``
            try:
                answer = await _record(ctx, self._tx, found, decline=False)
            except BeredskabError as exc:
                answer = refusal(ctx, command, exc)
            self.written()
            self._answers[slot] = (ctx, answer)
            return
        self._row.append((slot, ctx, Confirming(found.incident, person, found.confirmation)))

    async def _target(self, ctx: Ctx, code: int | None) -> AckTarget | Answer:
        """``_target``, a plain "OK" answered from the lookup of those ahead."""
        if code is not None:
            return await _target(ctx, self._tx, code, "ack")
        if self._known is None or ctx.phone not in self._known:
            numbers = [*self._ahead, ctx.phone]
            found = await self._tx.deliveries.pending_ack_targets(numbers)
            self._known = {number: found.get(number) for number in numbers}
        return _judged(ctx, self._known[ctx.phone], code, "ack")

    def written(self) -> None:
        """Something was written: the targets looked up ahead may be stale."""
        self._known = None

    async def flush(self) -> None:
        """Confirm the row's "OK"s together and answer them."""
        if not self._row:
            return
        confirming = [c for _, _, c in self._row]
        results = await acknowledgements.confirm_many_in(self._tx, confirming, via=CHANNEL)
        for (slot, ctx, c), result in zip(self._row, results, strict=True):
            self._answers[slot] = (ctx, _acked(ctx, c.incident.id, result, decline=False))
        self._row.clear()
        self.written()


def refusal(ctx: Ctx, command: sms.Command, exc: BeredskabError) -> Answer:
    """The passive answer to a command a use case refused."""
    if isinstance(exc, NotAuthorisedError):
        return ctx.error("refused", f"{type(command).__name__.lower()}: refused")
    detail = (str(exc).splitlines() or [type(exc).__name__])[0][:140]
    shown = (render(exc, ctx.lang).splitlines() or [detail])[0][:140]
    return ctx.error("failed", f"{type(command).__name__.lower()}: {detail}", detail=shown)


def outcome(answer: Answer, sent: bool) -> str:
    """The inbox's outcome line for an answer (and whether its reply was queued)."""
    return answer.outcome if sent else f"{answer.outcome} (reply suppressed: passive limit)"


async def reply(ctx: Ctx, answer: Answer, tx: Tx | None = None) -> bool:
    """Queue the answer as an SMS reply (in ``tx``, or a transaction of its own); False if
    a passive reply was suppressed by the per-number limit."""
    if tx is not None:
        return await replies.sms_reply(
            tx,
            to=ctx.phone,
            text=answer.text,
            person_id=ctx.person.id,
            passive=answer.passive,
            passive_per_hour=ctx.app.settings.security.passive_replies_per_hour,
        )
    async with ctx.app.db.transaction() as own:
        return await reply(ctx, answer, own)


async def _acknowledge(ctx: Ctx, tx: Tx, code: int | None, *, decline: bool) -> Answer:
    found = await _target(ctx, tx, code, "decline" if decline else "ack")
    if isinstance(found, Answer):
        return found
    return await _record(ctx, tx, found, decline=decline)


async def _target(ctx: Ctx, tx: Tx, code: int | None, verb: str) -> AckTarget | Answer:
    """What an "OK" (or "NEJ") answers, or the answer when it answers nothing open."""
    request = await tx.deliveries.ack_target(ctx.phone, incident_id=code, pending_only=code is None)
    return _judged(ctx, request, code, verb)


def _judged(ctx: Ctx, request: AckTarget | None, code: int | None, verb: str) -> AckTarget | Answer:
    """The target found for an "OK" (or "NEJ"), or the answer when it answers nothing open."""
    if request is None:
        if code is None:
            return ctx.error("nothing_to_confirm", f"{verb}: nothing open")
        return ctx.error("not_asked", f"{verb}: incident {code} not sent here", nr=code)
    if not request.incident_open:
        nr = request.incident_id
        return ctx.error("already_closed", f"{verb}: incident {nr} closed", nr=nr)
    return request


async def _record(ctx: Ctx, tx: Tx, request: AckTarget, *, decline: bool) -> Answer:
    result = await acknowledgements.record_in(
        tx,
        plan=ctx.app.plan,
        incident_id=request.incident_id,
        person_id=request.person_id,
        via=CHANNEL,
        decline=decline,
        known=(request.incident, request.confirmation) if request.confirmation else None,
    )
    return _acked(ctx, request.incident_id, result, decline=decline)


def _acked(ctx: Ctx, nr: int, result: AckResult, *, decline: bool) -> Answer:
    """The answer to an "OK" (or "NEJ") that was recorded."""
    verb = "decline" if decline else "ack"
    if not result.changed:
        now = status_word(result.confirmation.status.value, ctx.lang)
        return Answer(ctx.t("ack_same", nr=nr, status=now), f"{verb}: unchanged")
    if not decline:
        return Answer(ctx.t("acked", nr=nr), f"ack: incident {nr}")
    deputy = ctx.app.plan.directory.person(result.deputy) if result.deputy else None
    key = "declined_deputy" if deputy else "declined"
    return Answer(
        ctx.t(key, nr=nr, deputy=deputy.name if deputy else ""),
        f"decline: incident {nr}" + (f", deputy {deputy.id} asked" if deputy else ""),
    )
