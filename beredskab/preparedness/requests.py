"""Requests to people between incidents (sign-off, contact verification): sending them on
every channel through the outbox, and answering them through one function.

An SMS request is answered with ``JA``; Telegram messages carry a button and emails a signed
single-use link to ``/p/<token>``, both behind an opaque ``action_tokens`` row whose action is
``<kind>:<request id>``. Deliveries carry no incident and ask for no "OK", so incident
acknowledgements never see them.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from beredskab.boundary import bounds
from beredskab.delivery.notifications import person_channels
from beredskab.i18n import Language, t
from beredskab.models import ActionToken
from beredskab.security import audit
from beredskab.storage import Tx
from beredskab.storage.repositories.deliveries import NewDelivery
from beredskab.storage.repositories.preparedness import PrepRequest
from contacts.models import Person
from notifier.types import ChannelKind

if TYPE_CHECKING:
    from beredskab.services import Services

SIGNOFF = "signoff"
VERIFY = "verify"
KINDS = (SIGNOFF, VERIFY)
LINK_PATH = "/p/"
PLAN_PATH = "/plan"
NOTIFICATION_PREFIX = "prep:"


@dataclass(frozen=True)
class Wording:
    """What one request says, in the person's language: a subject, a body, and a short SMS
    (within one SMS where the details allow); the answer hint is added per channel."""

    subject: str
    body: str
    sms: str
    language: Language = "da"

    def reminder(self) -> Wording:
        """The same request marked as a reminder."""
        return Wording(
            t("prep_reminder", self.language, text=self.subject),
            self.body,
            t("prep_reminder", self.language, text=self.sms),
            self.language,
        )


@dataclass(frozen=True)
class Answered:
    """The outcome of answering a request: the request, and whether this answer counted."""

    request: PrepRequest
    changed: bool


def link(app: Services, token: str) -> str:
    """The signed personal page for a request token."""
    base = app.settings.service.public_base_url.rstrip("/")
    return f"{base}{LINK_PATH}{app.signer.sign(token)}"


def plan_link(app: Services) -> str:
    """The page that shows the whole plan (``/plan``; sign-in first)."""
    return app.settings.service.public_base_url.rstrip("/") + PLAN_PATH


def token_action(request: PrepRequest) -> str:
    """The action stored on a request's tokens."""
    return f"{request.kind}:{request.id}"


def parse_action(action: str) -> tuple[str, int] | None:
    """(kind, request id) from a token action, or None when it is not a request token."""
    kind, _, number = action.partition(":")
    request_id = bounds.parse_id(number)
    return (kind, request_id) if kind in KINDS and request_id is not None else None


async def send(
    tx: Tx, app: Services, *, request: PrepRequest, person: Person, wording: Wording
) -> int:
    """Queue the request on every channel the person has, in the person's language;
    returns how many messages."""
    language = person.language
    chats = await tx.people.telegram_chats([person.id])
    notification = f"{NOTIFICATION_PREFIX}{request.id}:{uuid.uuid4().hex[:10]}"
    items: list[NewDelivery] = []
    tokens: list[str | None] = []
    for channel, address in person_channels(person, chats.get(person.id)):
        token: str | None = None
        if channel is ChannelKind.SMS:
            hint = ""
        elif channel is ChannelKind.TELEGRAM:
            token, hint = secrets.token_urlsafe(16), t("prep_hint_telegram", language)
        else:
            token = secrets.token_urlsafe(16)
            hint = t("prep_hint_email", language, link=link(app, token))
        text = f"{wording.body}\n\n{hint}" if hint else wording.sms
        items.append(
            NewDelivery(
                incident_id=None,
                person_id=person.id,
                channel=channel,
                address=address,
                template=request.kind,
                subject=wording.subject,
                text=text,
                short_text=text,
                notification=notification,
                language=language,
            )
        )
        tokens.append(token)
    ids = await tx.deliveries.enqueue(items, now=tx.now)
    await tx.people.add_tokens(
        ActionToken(
            token=token,
            delivery_id=delivery_id,
            incident_id=None,
            person_id=person.id,
            action=token_action(request),
            label=t("prep_button", language),
            created_at=tx.now,
            used_at=None,
        )
        for delivery_id, token in zip(ids, tokens, strict=True)
        if token is not None
    )
    return len(items)


async def answer(tx: Tx, *, request: PrepRequest, via: str) -> Answered:
    """Record an answer once (idempotent) and audit it, in the caller's transaction."""
    changed = await tx.preparedness.answer(request.id, via=via, now=tx.now)
    if changed:
        await audit.record(
            tx,
            actor=request.person_id,
            action=f"preparedness.{request.kind}",
            channel=via,
            detail=f"{request.kind} {request.round} confirmed",
        )
    current = await tx.preparedness.request(request.id)
    assert current is not None
    return Answered(request=current, changed=changed)


async def is_current(tx: Tx, app: Services, request: PrepRequest) -> bool:
    """Whether a request can still be answered: the plan version it names is the running one,
    or its verification campaign has not ended."""
    if request.kind == SIGNOFF:
        return request.round == app.plan.version
    campaign = await tx.preparedness.campaign(int(request.round))
    return campaign is not None and campaign.ended_at is None


async def newest_open_for_phone(tx: Tx, app: Services, phone: str) -> PrepRequest | None:
    """The newest open, current request whose SMS went to ``phone`` (what ``JA`` answers)."""
    for delivery in reversed(await tx.deliveries.to_address(phone, limit=200)):
        if delivery.channel is not ChannelKind.SMS or delivery.template not in KINDS:
            continue
        number = delivery.notification.removeprefix(NOTIFICATION_PREFIX).partition(":")[0]
        request_id = bounds.parse_id(number)
        if request_id is None:
            continue
        request = await tx.preparedness.request(request_id)
        if request is None or request.answered_at is not None:
            continue
        if await is_current(tx, app, request):
            return request
    return None
