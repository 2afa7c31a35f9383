"""The public sign-up page's use cases: a code proves the number, then the subscription.

The sign-in code machinery is reused (``beredskab.security.signin``): the code's HMAC lives in
``web_codes`` (person ``signin.RESIDENT``, which never opens a session), with the same expiry
(``code_minutes``), attempts (``code_attempts``) and throttles per number and per client
address (``codes_per_hour``, ``codes_per_client_hour``, ``codes_per_hour_total``). The pending
zone, language and consent version wait in ``resident_signups`` until the code is entered.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from beredskab.delivery import replies
from beredskab.delivery.links import LinkSigner
from beredskab.residents import consent, subscriptions
from beredskab.security import audit, signin
from beredskab.security.signin import CODE_DIGITS, SignInError, SignInProblem
from beredskab.settings import WebSettings
from beredskab.storage import Database, Tx
from beredskab.storage.repositories.deliveries import NewDelivery
from beredskab.storage.repositories.residents import Subscription
from notifier.types import ChannelKind

CHANNEL = "web"
CODE_CHANNEL = "resident-sms"
TEMPLATE = "signup-code"


async def _forget(tx: Tx) -> None:
    before = tx.now - signin.KEEP_CODES
    await tx.web.forget_codes(before)
    await tx.residents.forget_signups(before=before)


async def send_code(
    *,
    db: Database,
    signer: LinkSigner,
    settings: WebSettings,
    phone: str,
    zone: int,
    language: str,
    client: str,
) -> int:
    """Queue a 6-digit code by SMS to ``phone`` (E.164) for a sign-up; returns the code id.

    Raises ``SignInError(THROTTLED)`` (audited) past the per-number, per-client or
    service-wide code limits.
    """
    client = client[: signin.CLIENT_LENGTH]
    key = signin.subject(signer, phone)
    async with db.transaction() as tx:
        await _forget(tx)
        reason = await signin.throttled(tx, settings, client=client, subject=key)
        if reason is None and await tx.web.sent_since(tx.now - timedelta(hours=1)) >= (
            settings.codes_per_hour_total
        ):
            reason = f"more than {settings.codes_per_hour_total} codes an hour"
        if reason is not None:
            await audit.counted(
                tx,
                source=client,
                action="residents.signup.throttled",
                channel=CHANNEL,
                detail=reason,
            )
            code_id = None
        else:
            code_id = await _queue(tx, signer, settings, phone, zone, language, client, key)
    if code_id is None:
        raise SignInError(SignInProblem.THROTTLED)
    return code_id


async def _queue(
    tx: Tx,
    signer: LinkSigner,
    settings: WebSettings,
    phone: str,
    zone: int,
    language: str,
    client: str,
    key: str,
) -> int:
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    code_id = await tx.web.add_code(
        person_id=signin.RESIDENT,
        code_hash=signin.code_hash(signer, secrets.token_hex(8), code),
        channel=CODE_CHANNEL,
        now=tx.now,
        expires_at=tx.now + timedelta(minutes=settings.code_minutes),
        client=client,
        subject=key,
    )
    await tx.residents.add_signup(
        code_id=code_id,
        phone=phone,
        zone=zone,
        language=language,
        version=consent.VERSION,
        now=tx.now,
    )
    text = consent.sms("signup_code", language, code=code, minutes=round(settings.code_minutes))
    await tx.deliveries.enqueue(
        [
            NewDelivery(
                incident_id=None,
                person_id=phone,
                channel=ChannelKind.SMS,
                address=phone,
                template=TEMPLATE,
                subject="",
                text=text,
                short_text=text,
                notification=f"signup:{uuid.uuid4().hex[:12]}",
            )
        ],
        now=tx.now,
    )
    await audit.record(
        tx,
        actor=signin.RESIDENT,
        action="residents.signup.code",
        channel=CHANNEL,
        detail=f"sign-up code sent by SMS (asked from {client})",
    )
    return code_id


async def verify(
    *,
    db: Database,
    signer: LinkSigner,
    settings: WebSettings,
    code_id: int,
    code: str,
    client: str,
) -> Subscription:
    """Subscribe the number of a correct code, with the consent version shown when the code
    was asked for; every failure is counted and audited (``SignInError``)."""
    entered = "".join(ch for ch in code if "0" <= ch <= "9")
    subscription: Subscription | None = None
    async with db.transaction() as tx:
        stored = await tx.web.code(code_id)
        pending = await tx.residents.signup(code_id) if stored is not None else None
        problem: SignInProblem | None = None
        if stored is None or stored.person_id != signin.RESIDENT:
            problem = SignInProblem.WRONG
        elif stored.used_at is not None:
            problem = SignInProblem.USED
        elif pending is None:
            problem = SignInProblem.EXPIRED
        elif stored.attempts >= settings.code_attempts:
            problem = SignInProblem.TOO_MANY
        elif tx.now >= stored.expires_at:
            problem = SignInProblem.EXPIRED
        elif not signin.matches(signer, stored.code_hash, entered):
            await tx.web.count_attempt(stored.id)
            left = settings.code_attempts - stored.attempts - 1
            problem = SignInProblem.WRONG if left > 0 else SignInProblem.TOO_MANY
        elif not await tx.web.use_code(stored.id, tx.now):
            problem = SignInProblem.USED
        if problem is not None or pending is None:
            await audit.counted(
                tx,
                source=client[: signin.CLIENT_LENGTH],
                action="residents.signup.failed",
                channel=CHANNEL,
                detail=f"{(problem or SignInProblem.WRONG).value} (from {client})",
            )
        else:
            subscription = await subscriptions.subscribe(
                tx,
                phone=pending.phone,
                zone=pending.zone,
                language=pending.language,
                channel=subscriptions.WEB,
                version=pending.consent_version,
            )
            await tx.residents.forget_signups(code_id=code_id, before=tx.now - signin.KEEP_CODES)
            await replies.sms_reply(
                tx,
                to=pending.phone,
                text=consent.sms("subscribed", pending.language, zone=pending.zone),
            )
            await audit.record(
                tx,
                actor=signin.RESIDENT,
                action="residents.signup",
                channel=CHANNEL,
                detail=f"subscribed on the sign-up page, zone {pending.zone} "
                f"{pending.language}, consent {pending.consent_version}",
            )
    if subscription is None:
        raise SignInError(problem or SignInProblem.WRONG)
    return subscription
