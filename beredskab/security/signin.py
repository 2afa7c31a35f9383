"""Passwordless sign-in for the mobile pages: a one-time code, then a server-side session.

The code goes to the person's bound Telegram chat, else their email, else their phone, through
the outbox like every other message. Only an HMAC of the code and a hash of the session
secret are stored. Every sign-in, failure, throttle and sign-out is audited.

Nothing tells a known identifier from an unknown one: both get a pending code (one for
nobody, matching nothing, when the identifier is unknown), the same answers and the same
throttles. The throttles count per client address (per identifier and in all), so nobody
elsewhere can use up a person's codes; a service-wide budget caps what is really sent, and a
request beyond it gets a code for nobody, answered as usual.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from beredskab.catalog.texts import Texts
from beredskab.delivery.links import LinkSigner
from beredskab.delivery.notifications import person_channels
from beredskab.errors import BeredskabError
from beredskab.i18n import Language
from beredskab.plan import Plan
from beredskab.security import audit
from beredskab.settings import WebSettings
from beredskab.storage import Database, Tx
from beredskab.storage.repositories.deliveries import NewDelivery
from beredskab.storage.repositories.web import WebSession
from contacts.loader import normalise_phone
from contacts.models import Person
from notifier.types import ChannelKind

log = logging.getLogger(__name__)

CHANNEL = "web"
CODE_DIGITS = 6
CODE_CHANNELS = (ChannelKind.TELEGRAM, ChannelKind.EMAIL, ChannelKind.SMS)
"""Where a sign-in code goes, in order of preference."""
NOBODY = ""
"""The person of a pending code that was sent to nobody."""
RESIDENT = "~resident"
"""The person of a resident sign-up code (``beredskab.residents.signup``): never a session."""
CLIENT_LENGTH = 64
KEEP_CODES = timedelta(days=1)
"""Codes (sent or for nobody) are deleted this long after they were made; throttles look back
an hour, and every sign-in is in the audit trail."""
TOUCH_EVERY = timedelta(minutes=1)
"""Activity is written at most this often per session (the idle timeout needs no finer)."""

texts = Texts("security")
"""The security texts: the sign-in code (``signin_code``) and the PIN lockout alert."""


class SignInProblem(StrEnum):
    """Why a code was not accepted; the page says each plainly."""

    WRONG = "wrong"
    EXPIRED = "expired"
    USED = "used"
    TOO_MANY = "too-many"
    THROTTLED = "throttled"


class SignInError(BeredskabError):
    """A sign-in step that did not succeed."""

    def __init__(self, problem: SignInProblem) -> None:
        super().__init__("sign-in refused: {problem}", problem=problem)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class SentCode:
    """A pending code; ``person_id`` and ``channel`` are None when it went to nobody."""

    code_id: int
    person_id: str | None
    channel: str | None


@dataclass(frozen=True, slots=True)
class Grant:
    """A new session: ``secret`` goes into the cookie and is never stored."""

    secret: str
    session: WebSession


def session_id(secret: str) -> str:
    """The stored id of a session: the SHA-256 of the cookie's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def code_hash(signer: LinkSigner, salt: str, code: str) -> str:
    return f"{salt}${signer.sign(f'{salt}-{code}').rpartition('.')[2]}"


def matches(signer: LinkSigner, stored: str, code: str) -> bool:
    """Whether ``code`` is the one behind ``stored``, under any link key accepted now (a code
    sent just before a key rotation still works)."""
    salt, _, _mac = stored.partition("$")
    return any(
        hmac.compare_digest(stored.encode(), f"{salt}${mac}".encode())
        for mac in signer.macs(f"{salt}-{code}")
    )


def find_person(plan: Plan, identifier: str) -> Person | None:
    """The directory person with this phone number (any Danish notation) or email address."""
    text = identifier.strip()
    if "@" in text:
        return plan.directory.by_email(text)
    phone = normalise_phone(text)
    return plan.directory.by_phone(phone) if phone else None


def subject(signer: LinkSigner, identifier: str) -> str:
    """What the throttle counts for an identifier, known or not: an HMAC, never the text."""
    text = identifier.strip()
    normal = text.casefold() if "@" in text else (normalise_phone(text) or text.casefold())
    digest = hashlib.sha256(normal.encode("utf-8", "replace")).hexdigest()
    return signer.sign(f"signin-subject-{digest}").rpartition(".")[2]


async def throttled(tx: Tx, settings: WebSettings, *, client: str, subject: str) -> str | None:
    """Why a code request from ``client`` must wait (None if it may go on).

    Only requests from this client count, so nobody elsewhere can use up a person's codes.
    """
    since = tx.now - timedelta(hours=1)
    if await tx.web.requests_since(subject=subject, client=client, since=since) >= (
        settings.codes_per_hour
    ):
        return f"more than {settings.codes_per_hour} codes for one identifier in an hour"
    if await tx.web.client_requests_since(client, since) >= settings.codes_per_client_hour:
        return f"more than {settings.codes_per_client_hour} codes in an hour"
    return None


async def send_code(
    *,
    db: Database,
    plan: Plan,
    signer: LinkSigner,
    settings: WebSettings,
    identifier: str,
    client: str,
) -> SentCode:
    """Queue a one-time code to the person behind ``identifier``, asked for by ``client``.

    Known or not, the answer is the same: a pending code (for nobody when the identifier is
    unknown, the person has no channel or the service-wide budget ``codes_per_hour_total`` is
    spent; such a code matches nothing). Raises ``SignInError(THROTTLED)`` after
    ``codes_per_hour`` requests for one identifier, or ``codes_per_client_hour`` in all, from
    this client within an hour; the same for any identifier, and audited.
    """
    client = client[:CLIENT_LENGTH]
    key = subject(signer, identifier)
    person = find_person(plan, identifier)
    async with db.transaction() as tx:
        await tx.web.forget_codes(tx.now - KEEP_CODES)
        reason = await throttled(tx, settings, client=client, subject=key)
        if reason is not None:
            await audit.counted(
                tx, source=client, action="web.signin.throttled", channel=CHANNEL, detail=reason
            )
            refused: SignInError | None = SignInError(SignInProblem.THROTTLED)
        else:
            refused = None
            sent = await _queue_code(tx, signer, settings, person, client=client, key=key)
    if refused is not None:
        raise refused
    return sent


async def _queue_code(
    tx: Tx,
    signer: LinkSigner,
    settings: WebSettings,
    person: Person | None,
    *,
    client: str,
    key: str,
) -> SentCode:
    """Store a pending code and queue it to the person, or store one for nobody (audited)."""
    chats = await tx.people.telegram_chats([person.id] if person else [])
    channels = person_channels(person, chats.get(person.id)) if person else []
    since = tx.now - timedelta(hours=1)
    spent = await tx.web.sent_since(since) >= settings.codes_per_hour_total
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    expires_at = tx.now + timedelta(minutes=settings.code_minutes)
    if person is None or not channels or spent:
        # The same work as a real code (an HMAC, one row), bound to nobody and unmatchable:
        # entered codes are digits only.
        code_id = await tx.web.add_code(
            person_id=NOBODY,
            code_hash=code_hash(signer, secrets.token_hex(8), f"nobody-{code}"),
            channel="",
            now=tx.now,
            expires_at=expires_at,
            client=client,
            subject=key,
        )
        action, detail = (
            ("web.signin.unknown", "no person for this identifier")
            if person is None
            else ("web.signin.unreachable", f"{person.id} has no channel for a code")
            if not channels
            else ("web.signin.budget", f"more than {settings.codes_per_hour_total} codes an hour")
        )
        if spent:
            log.warning("sign-in code budget spent: %s", detail)
        await audit.counted(tx, source=client, action=action, channel=CHANNEL, detail=detail)
        return SentCode(code_id=code_id, person_id=None, channel=None)
    # Telegram or email first; SMS only for people with neither (SMS costs, and is slower).
    kind, address = min(channels, key=lambda c: CODE_CHANNELS.index(c[0]))
    code_id = await tx.web.add_code(
        person_id=person.id,
        code_hash=code_hash(signer, secrets.token_hex(8), code),
        channel=kind.value,
        now=tx.now,
        expires_at=expires_at,
        client=client,
        subject=key,
    )
    subject_line = texts("signin_code_subject", person.language)
    text = texts("signin_code", person.language, code=code, minutes=round(settings.code_minutes))
    await tx.deliveries.enqueue(
        [
            NewDelivery(
                incident_id=None,
                person_id=person.id,
                channel=kind,
                address=address,
                template="signin-code",
                subject=subject_line,
                text=text,
                short_text=text,
                notification=f"signin:{uuid.uuid4().hex[:12]}",
                language=person.language,
            )
        ],
        now=tx.now,
    )
    await audit.record(
        tx,
        actor=person.id,
        action="web.signin.code",
        channel=CHANNEL,
        detail=f"code sent by {kind.value} (asked from {client})",
    )
    return SentCode(code_id=code_id, person_id=person.id, channel=kind.value)


async def verify_code(
    *,
    db: Database,
    plan: Plan,
    signer: LinkSigner,
    settings: WebSettings,
    code_id: int,
    code: str,
    client: str,
) -> Grant:
    """Exchange a correct code for a new session; every failure is counted and audited.

    A code sent to nobody fails exactly like a wrong guess at a real one, attempts included.
    """
    entered = "".join(ch for ch in code if "0" <= ch <= "9")
    async with db.transaction() as tx:
        stored = await tx.web.code(code_id)
        problem: SignInProblem | None = None
        if stored is None:
            problem = SignInProblem.WRONG
        elif stored.used_at is not None:
            problem = SignInProblem.USED
        elif stored.attempts >= settings.code_attempts:
            problem = SignInProblem.TOO_MANY
        elif tx.now >= stored.expires_at:
            problem = SignInProblem.EXPIRED
        elif not matches(signer, stored.code_hash, entered) or stored.person_id in (
            NOBODY,
            RESIDENT,
        ):
            await tx.web.count_attempt(stored.id)
            left = settings.code_attempts - stored.attempts - 1
            problem = SignInProblem.WRONG if left > 0 else SignInProblem.TOO_MANY
        elif not await tx.web.use_code(stored.id, tx.now):
            problem = SignInProblem.USED
        if problem is not None or stored is None:
            # Counted per minute: whoever holds a pending code may post as often as the
            # per-client limit lets them, and each of those must not be a row of its own.
            why = (problem or SignInProblem.WRONG).value
            await audit.counted(
                tx,
                source=stored.person_id if stored and stored.person_id else client[:CLIENT_LENGTH],
                action="web.signin.failed",
                channel=CHANNEL,
                detail=f"{why} (from {client})",
            )
            grant: Grant | None = None
        else:
            person = plan.directory.person(stored.person_id)
            secret = secrets.token_urlsafe(32)
            session = WebSession(
                id=session_id(secret),
                person_id=stored.person_id,
                csrf=secrets.token_urlsafe(24),
                language=person.language if person else "da",
                created_at=tx.now,
                last_seen_at=tx.now,
                expires_at=tx.now + timedelta(hours=settings.session_max_hours),
                ended_at=None,
            )
            await tx.web.add_session(session)
            await audit.record(
                tx, actor=stored.person_id, action="web.signin", channel=CHANNEL, detail="signed in"
            )
            grant = Grant(secret=secret, session=session)
    if grant is None:
        raise SignInError(problem or SignInProblem.WRONG)
    return grant


async def resume(
    *, db: Database, plan: Plan, settings: WebSettings, secret: str
) -> tuple[WebSession, Person] | None:
    """The live session behind a cookie and its person; None when ended, expired or idle."""
    async with db.transaction() as tx:
        session = await tx.web.session(session_id(secret))
        if session is None or session.ended_at is not None or tx.now >= session.expires_at:
            return None
        if tx.now - session.last_seen_at >= timedelta(minutes=settings.session_idle_minutes):
            await tx.web.end(session.id, tx.now)
            return None
        person = plan.directory.person(session.person_id)
        if person is None:  # removed from the directory since signing in
            await tx.web.end(session.id, tx.now)
            return None
        if tx.now - session.last_seen_at >= TOUCH_EVERY:
            await tx.web.touch(session.id, tx.now)
    return session, person


async def sign_out(*, db: Database, session: WebSession) -> None:
    """End the session (audited)."""
    async with db.transaction() as tx:
        await tx.web.end(session.id, tx.now)
        await audit.record(
            tx, actor=session.person_id, action="web.signout", channel=CHANNEL, detail=""
        )


async def set_language(*, db: Database, session: WebSession, language: Language) -> None:
    """Switch the pages of this session to Danish or English."""
    async with db.transaction() as tx:
        await tx.web.set_language(session.id, language)
