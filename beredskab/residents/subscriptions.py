"""Use cases of resident subscriptions: subscribe, stop, who is subscribed, counts and the
audited reading of numbers (secretariat leader only)."""

from __future__ import annotations

from beredskab.plan import Plan
from beredskab.residents import consent
from beredskab.residents.choices import LANGUAGES, ZONES
from beredskab.security import access, audit
from beredskab.storage import Database, Tx
from beredskab.storage.repositories.residents import Count, Subscription

DEFAULT_LANGUAGE = "da"
NUMBERS_ROLE = "sekretariatsleder"
"""The only role that may see subscribers' numbers."""
SMS = "sms"
WEB = "web"


async def subscribe(
    tx: Tx,
    *,
    phone: str,
    zone: int,
    language: str,
    channel: str,
    version: str = consent.VERSION,
) -> Subscription:
    """Subscribe a number with the consent text ``version`` (the one in force, or the one
    shown on the sign-up page); a live subscription is replaced (the new consent is
    recorded, the old row ends)."""
    if zone not in ZONES or language not in LANGUAGES:
        raise ValueError(f"zone {zone} / language {language!r} not offered")
    await tx.residents.stop(phone, tx.now)
    return await tx.residents.add(
        phone=phone,
        zone=zone,
        language=language,
        consent_version=version,
        channel=channel,
        now=tx.now,
    )


async def stop(tx: Tx, *, phone: str) -> bool:
    """Stop a number's subscription at once; False if it had none."""
    return await tx.residents.stop(phone, tx.now)


async def still_subscribed(tx: Tx, *, phone: str) -> bool:
    """True while ``phone`` is subscribed. The send path reads the same state for many
    numbers at once (``outbox.freshness``), again after every change of a subscription."""
    return await tx.residents.subscribed(phone)


async def active(
    *, db: Database, zone: int | None = None, language: str | None = None
) -> list[Subscription]:
    """The live subscriptions, optionally of one zone and/or language."""
    async with db.read() as tx:
        return await tx.residents.active(zone=zone, language=language)


async def counts(*, db: Database) -> list[Count]:
    """Live subscriptions per zone and language (no numbers: anyone signed in may see)."""
    async with db.read() as tx:
        return await tx.residents.counts()


async def numbers(
    *,
    db: Database,
    plan: Plan,
    actor_id: str,
    channel: str,
    zone: int | None = None,
    language: str | None = None,
) -> list[Subscription]:
    """The live subscriptions with their numbers, for the secretariat leader only.

    Every read is audited; a refusal raises ``access.Refusal`` (audited too).
    """
    actor = access.person(plan, actor_id)
    async with access.audited(db), db.transaction() as tx:
        access.require_role(
            actor,
            (NUMBERS_ROLE,),
            action="residents.numbers",
            channel=channel,
            what="see the numbers of subscribed residents",
        )
        found = await tx.residents.active(zone=zone, language=language)
        await audit.record(
            tx,
            actor=actor.id,
            action="residents.numbers",
            channel=channel,
            detail=f"read {len(found)} resident numbers (zone {zone or 'all'}, "
            f"language {language or 'all'})",
        )
    return found
