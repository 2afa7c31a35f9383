"""Personal acknowledgement links in emails: signed, single-use, expiring.

Every email that asks for confirmation carries ``<public_base_url>/a/<random>.<mac>``. The
random part is an ``action_tokens`` row (action "ack", bound to the delivery and the person);
the mac is HMAC-SHA256 over it with the link secret, so forged or altered links are refused
before the database is asked. A link works once, and only until the incident is stood down
or ``link_hours`` after it was made, whichever comes first.

Without ``security.link_secret`` a random key is made at start: links then die with a
restart (people can still answer by SMS or Telegram).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from beredskab import acknowledgements
from beredskab.acknowledgements import AckResult
from beredskab.errors import BeredskabError, ConfigError, InvalidStateError, NotFoundError
from beredskab.models import ActionToken, Incident, IncidentStatus
from beredskab.plan import Plan
from beredskab.settings import SecuritySettings
from beredskab.storage import Database, Tx

log = logging.getLogger(__name__)

ACTION = "ack"
"""The action of the token behind an email link (it can confirm or decline)."""
MAC_BYTES = 16
MIN_SECRET_BYTES = 16


class LinkSigner:
    """Signs and verifies link tokens: ``<value>.<urlsafe-base64 HMAC-SHA256, 16 bytes>``."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ConfigError(
                "the link secret must be at least {min} bytes; "
                "set security.link_secret to a long random value",
                min=MIN_SECRET_BYTES,
            )
        self._secret = secret

    @classmethod
    def random(cls) -> LinkSigner:
        """A signer with a fresh random key (its links die with the process)."""
        return cls(secrets.token_bytes(32))

    @classmethod
    def from_settings(cls, settings: SecuritySettings) -> LinkSigner:
        """The signer for the configured secret, or a random one when none is set."""
        if settings.link_secret is None or not settings.link_secret.get_secret_value():
            log.warning(
                "security.link_secret is not set: using a random key; "
                "acknowledgement links in emails stop working when the service restarts"
            )
            return cls.random()
        return cls(settings.link_secret.get_secret_value().encode())

    def _mac(self, value: str) -> str:
        digest = hmac.new(self._secret, value.encode(), hashlib.sha256).digest()[:MAC_BYTES]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, value: str) -> str:
        """``value`` with its signature appended."""
        if not value or "." in value:
            raise ValueError("a signed value must be non-empty and contain no '.'")
        return f"{value}.{self._mac(value)}"

    def verify(self, token: str) -> str | None:
        """The value inside a signed token, or None when the signature does not match."""
        value, dot, mac = token.rpartition(".")
        if not dot or not value or "." in value:
            return None
        if not hmac.compare_digest(mac.encode(), self._mac(value).encode()):
            return None
        return value


def url(base: str, signer: LinkSigner, token: str) -> str:
    """The personal acknowledgement URL for a raw token."""
    return f"{base.rstrip('/')}/a/{signer.sign(token)}"


class Problem(StrEnum):
    """Why a link cannot be used."""

    INVALID = "invalid"  # signature does not match: altered or cut off
    UNKNOWN = "unknown"  # signed by us but no such token (e.g. another database)
    USED = "used"
    EXPIRED = "expired"
    CLOSED = "closed"  # the incident was stood down


class LinkError(BeredskabError):
    """An acknowledgement link that cannot be used, and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__("acknowledgement link refused: {problem}", problem=problem)
        self.problem = problem


@dataclass(frozen=True)
class LinkView:
    """What a valid link confirms: the incident and the person it was sent to."""

    token: ActionToken
    incident: Incident
    person_name: str


@dataclass(frozen=True)
class LinkAnswer:
    """The outcome of answering through a link."""

    view: LinkView
    result: AckResult
    declined: bool


async def _check(tx: Tx, plan: Plan, raw: str, hours: float) -> LinkView:
    token = await tx.people.token(raw)
    if token is None or token.action != ACTION or token.incident_id is None:
        raise LinkError(Problem.UNKNOWN)
    incident = await tx.incidents.get(token.incident_id)
    if incident is None:
        raise LinkError(Problem.UNKNOWN)
    if token.used_at is not None:
        raise LinkError(Problem.USED)
    if incident.status is not IncidentStatus.ACTIVE:
        raise LinkError(Problem.CLOSED)
    if tx.now >= token.created_at + timedelta(hours=hours):
        raise LinkError(Problem.EXPIRED)
    if await tx.incidents.confirmation(incident.id, token.person_id) is None:
        raise LinkError(Problem.UNKNOWN)  # not (or no longer) asked to confirm
    person = plan.directory.person(token.person_id)
    return LinkView(token, incident, person.name if person else token.person_id)


def _unsigned(signer: LinkSigner, signed: str) -> str:
    raw = signer.verify(signed)
    if raw is None:
        raise LinkError(Problem.INVALID)
    return raw


async def inspect(
    *, db: Database, plan: Plan, signer: LinkSigner, signed: str, hours: float
) -> LinkView:
    """What a link would confirm; reads only (mail scanners follow links)."""
    raw = _unsigned(signer, signed)
    async with db.transaction() as tx:
        return await _check(tx, plan, raw, hours)


async def answer(
    *,
    db: Database,
    plan: Plan,
    signer: LinkSigner,
    signed: str,
    hours: float,
    decline: bool = False,
) -> LinkAnswer:
    """Use a link once: confirm (or decline) for the person it was sent to.

    The token is spent in the same transaction that checks it, so two answers through one
    link cannot both count; the acknowledgement is then recorded through the one entry point.
    """
    raw = _unsigned(signer, signed)
    async with db.transaction() as tx:
        view = await _check(tx, plan, raw, hours)
        if not await tx.people.use_token(raw, now=tx.now):
            raise LinkError(Problem.USED)
    try:
        result = await acknowledgements.record(
            db=db,
            plan=plan,
            incident_id=view.incident.id,
            person_id=view.token.person_id,
            via="email",
            decline=decline,
        )
    except InvalidStateError as exc:  # stood down between the check and the record
        raise LinkError(Problem.CLOSED) from exc
    except NotFoundError as exc:  # the person left the directory in a plan reload
        raise LinkError(Problem.UNKNOWN) from exc
    return LinkAnswer(view=view, result=result, declined=decline)
