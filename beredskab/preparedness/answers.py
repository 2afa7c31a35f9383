"""Answers to preparedness requests from every channel: SMS ``JA``, a Telegram button, the
email link page. Each is a thin adapter over ``record_signoff`` / ``record_verification``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from beredskab.errors import BeredskabError
from beredskab.i18n import Language, t
from beredskab.preparedness import requests
from beredskab.preparedness.requests import SIGNOFF, Answered
from beredskab.preparedness.signoff import record_signoff
from beredskab.preparedness.verification import record_verification
from beredskab.storage.repositories.preparedness import PrepRequest
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.services import Services

THANKS = {SIGNOFF: "prep_thanks_signoff", requests.VERIFY: "prep_thanks_verify"}


class Refusal(StrEnum):
    """Why a request token cannot be used."""

    INVALID = "invalid"  # not signed by us, or altered
    UNKNOWN = "unknown"  # no such request token
    FOREIGN = "foreign"  # pressed by someone else than the person asked
    USED = "used"
    STALE = "stale"  # the plan version changed or the campaign ended


class RequestTokenError(BeredskabError):
    """A request token that cannot be used, and why."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__("request token refused: {refusal}", refusal=refusal)
        self.refusal = refusal


@dataclass(frozen=True)
class TokenView:
    """What a valid token confirms: the request and the person asked."""

    request: PrepRequest
    person: Person
    token: str


def thanks(answered: Answered, person: Person) -> str:
    """The reply to an answer, in the person's language."""
    if not answered.changed:
        return t("prep_already", person.language)
    key = THANKS[answered.request.kind]
    return t(key, person.language, navn=person.name, round=answered.request.round)


def nothing_open(language: Language = "da") -> str:
    """The reply to ``JA`` when no request is open for that number."""
    return t("prep_nothing_open", language)


async def record(*, app: Services, request: PrepRequest, via: str) -> Answered:
    """Answer a request through the one recording function of its kind."""
    if request.kind == SIGNOFF:
        return await record_signoff(
            db=app.db, plan=app.plan, person_id=request.person_id, version=request.round, via=via
        )
    return await record_verification(
        db=app.db,
        plan=app.plan,
        person_id=request.person_id,
        campaign_id=int(request.round),
        via=via,
    )


async def answer_sms_yes(*, app: Services, person: Person, phone: str) -> tuple[str, str] | None:
    """``JA`` from a number: (reply, outcome) after answering the newest open request sent
    there, or None when nothing is open."""
    async with app.db.transaction() as tx:
        request = await requests.newest_open_for_phone(tx, app, phone)
    if request is None:
        return None
    answered = await record(app=app, request=request, via="sms")
    return thanks(answered, person), f"yes: {request.kind} {request.round}"


async def inspect_token(*, app: Services, raw: str, person_id: str | None = None) -> TokenView:
    """The request behind a raw token, checked; reads only (mail scanners follow links)."""
    async with app.db.transaction() as tx:
        token = await tx.people.token(raw)
        parsed = requests.parse_action(token.action) if token else None
        if token is None or parsed is None:
            raise RequestTokenError(Refusal.UNKNOWN)
        if person_id is not None and token.person_id != person_id:
            raise RequestTokenError(Refusal.FOREIGN)
        request = await tx.preparedness.request(parsed[1])
        person = app.plan.directory.person(token.person_id)
        if request is None or person is None or request.person_id != token.person_id:
            raise RequestTokenError(Refusal.UNKNOWN)
        if token.used_at is not None or request.answered_at is not None:
            raise RequestTokenError(Refusal.USED)
        if not await requests.is_current(tx, app, request):
            raise RequestTokenError(Refusal.STALE)
    return TokenView(request=request, person=person, token=raw)


async def is_request_token(*, app: Services, raw: str) -> bool:
    """Whether raw button data is a preparedness request token."""
    async with app.db.transaction() as tx:
        token = await tx.people.token(raw)
    return token is not None and requests.parse_action(token.action) is not None


async def answer_token(
    *, app: Services, raw: str, via: str, person_id: str | None = None
) -> tuple[TokenView, Answered]:
    """Use a token once and record the answer; ``person_id`` must be the person asked."""
    view = await inspect_token(app=app, raw=raw, person_id=person_id)
    async with app.db.transaction() as tx:
        if not await tx.people.use_token(raw, now=tx.now):
            raise RequestTokenError(Refusal.USED)
    return view, await record(app=app, request=view.request, via=via)


def unsign(app: Services, signed: str) -> str:
    """The raw token inside a signed link token."""
    raw = app.signer.verify(signed)
    if raw is None:
        raise RequestTokenError(Refusal.INVALID)
    return raw
