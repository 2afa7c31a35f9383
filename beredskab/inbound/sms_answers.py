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

from dataclasses import dataclass
from typing import TYPE_CHECKING

from argon2 import PasswordHasher

from beredskab.delivery import replies
from beredskab.errors import BeredskabError, NotAuthorisedError, render
from beredskab.i18n import Language
from beredskab.i18n import status as status_word
from beredskab.inbound import sms
from beredskab.inbound import subscribe as residents
from beredskab.inbound.sms_texts import text
from beredskab.incident import acknowledgements
from beredskab.security import pins
from beredskab.storage import Tx
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
    """Run a ``one_transaction`` SMS in ``tx`` and queue its reply there; the outcome."""
    person = app.plan.directory.by_phone(sender.strip())
    if person is None:
        return "unknown number"
    ctx = Ctx(app=app, person=person, phone=sender.strip(), hasher=hasher)
    command = sms.parse(body)
    match command:
        case sms.Ack(code):
            try:  # an "OK" is refused only before it writes (``record_in``): no savepoint
                answer = await _acknowledge(ctx, tx, code, decline=False)
            except BeredskabError as exc:
                answer = refusal(ctx, command, exc)
        case sms.Decline(code):
            try:  # a decline asks the deputy after writing: a refusal rolls back to here
                async with tx.savepoint():
                    answer = await _acknowledge(ctx, tx, code, decline=True)
            except BeredskabError as exc:
                answer = refusal(ctx, command, exc)
        case sms.Help():
            answer = ctx.error("help", "help")
        case sms.Malformed(keyword):
            answer = Answer(sms.usage(keyword, ctx.lang), f"malformed {keyword}", passive=True)
        case sms.Unknown():
            answer = ctx.error("unknown_command", "unknown command")
        case _:
            raise AssertionError(f"{command!r} is not answered in one transaction")
    sent = await reply(ctx, answer, tx) if answer.text else True
    return outcome(answer, sent)


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
    verb = "decline" if decline else "ack"
    request = await tx.deliveries.ack_target(ctx.phone, incident_id=code, pending_only=code is None)
    if request is None:
        if code is None:
            return ctx.error("nothing_to_confirm", f"{verb}: nothing open")
        return ctx.error("not_asked", f"{verb}: incident {code} not sent here", nr=code)
    nr = request.incident_id
    if not request.incident_open:
        return ctx.error("already_closed", f"{verb}: incident {nr} closed", nr=nr)
    result = await acknowledgements.record_in(
        tx,
        plan=ctx.app.plan,
        incident_id=nr,
        person_id=request.person_id,
        via=CHANNEL,
        decline=decline,
        known=(request.incident, request.confirmation) if request.confirmation else None,
    )
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
