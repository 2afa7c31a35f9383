"""PINs: the second factor for SMS activation and SMS stand-down.

PINs are stored as argon2id hashes (memory-hard). Wrong PINs are counted per phone number;
``pin_max_failures`` within ``pin_window_minutes`` lock PIN commands from that number for
``pin_lockout_minutes × 2^level`` (at most ``pin_lockout_max_hours``), where the level grows
with each lockout in a row. Only the number is locked: the person's other channels stay open.

``check`` runs in the caller's transaction and *returns* its verdict instead of raising, so
the caller commits failures, lockouts and their audit rows even though the command is refused.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from beredskab.catalog.texts import Texts
from beredskab.delivery import replies
from beredskab.errors import InvalidStateError
from beredskab.i18n import clock
from beredskab.plan import Plan
from beredskab.security import access, audit
from beredskab.settings import SecuritySettings
from beredskab.storage import Database, Tx
from beredskab.storage.repositories.security import Lockout
from contacts.models import Person

DEFAULT_HASHER = PasswordHasher()
"""argon2id with the library's defaults (64 MiB, 3 passes): slow and memory-hard by design."""

_PIN_FORMAT = re.compile(r"[0-9]{4,8}")

texts = Texts("security")
"""The security texts (here: the alert to the chiefs when a number's PIN commands lock)."""


class PinStatus(StrEnum):
    """The verdict on one PIN attempt."""

    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"
    NO_PIN = "no-pin"


@dataclass(frozen=True)
class PinCheck:
    """The verdict; ``remaining`` attempts before a lockout, ``until`` when locked.

    ``locked_now`` is True only for the attempt that caused the lockout.
    """

    status: PinStatus
    remaining: int = 0
    until: datetime | None = None
    locked_now: bool = False

    @property
    def ok(self) -> bool:
        """True if the PIN was right."""
        return self.status is PinStatus.OK


async def set_pin(
    *,
    db: Database,
    plan: Plan,
    person_id: str,
    pin: str,
    actor: str = "cli",
    channel: str = "cli",
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> None:
    """Set (or replace) a person's PIN: 4-8 digits, stored as an argon2 hash, audited."""
    person = access.person(plan, person_id)
    if not _PIN_FORMAT.fullmatch(pin):
        raise InvalidStateError("a PIN is 4 to 8 digits (0-9), nothing else; choose another")
    hashed = await asyncio.to_thread(hasher.hash, pin)
    async with db.transaction() as tx:
        await tx.pins.set_hash(person.id, hashed, now=tx.now)
        await audit.record(
            tx, actor=actor, action="pin.set", channel=channel, detail=f"PIN set for {person.id}"
        )


async def check(
    tx: Tx,
    *,
    person_id: str,
    phone: str,
    pin: str,
    settings: SecuritySettings,
    plan: Plan,
    channel: str = "sms",
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> PinCheck:
    """Check a PIN sent from ``phone`` in the caller's transaction; the caller commits."""
    lockout = await tx.pins.lockout(phone)
    if lockout is not None and lockout.until > tx.now:
        await audit.record(
            tx,
            actor=person_id,
            action="pin.locked",
            channel=channel,
            allowed=False,
            detail=f"attempt from {phone} while locked until {lockout.until.isoformat()}",
        )
        return PinCheck(PinStatus.LOCKED, until=lockout.until)
    stored = await tx.pins.hash_for(person_id)
    if stored is None:
        await audit.record(
            tx,
            actor=person_id,
            action="pin.missing",
            channel=channel,
            allowed=False,
            detail=f"PIN command from {phone} but no PIN is set",
        )
        return PinCheck(PinStatus.NO_PIN)
    if await asyncio.to_thread(_verify, hasher, stored, pin):
        await tx.pins.clear_failures(phone)
        if hasher.check_needs_rehash(stored):
            await tx.pins.set_hash(person_id, await asyncio.to_thread(hasher.hash, pin), now=tx.now)
        return PinCheck(PinStatus.OK)
    await tx.pins.add_failure(phone, now=tx.now)
    since = tx.now - timedelta(minutes=settings.pin_window_minutes)
    failures = await tx.pins.failures_since(phone, since)
    await audit.record(
        tx,
        actor=person_id,
        action="pin.wrong",
        channel=channel,
        allowed=False,
        detail=f"wrong PIN from {phone} ({failures} of {settings.pin_max_failures})",
    )
    if failures < settings.pin_max_failures:
        return PinCheck(PinStatus.WRONG, remaining=settings.pin_max_failures - failures)
    until = await _lock(tx, phone=phone, settings=settings, previous=lockout)
    await audit.record(
        tx,
        actor=person_id,
        action="pin.lockout",
        channel=channel,
        allowed=False,
        detail=f"{phone} locked until {until.isoformat()} after {failures} wrong PINs",
    )
    await _tell_chiefs(tx, plan=plan, person_id=person_id, phone=phone, until=until)
    return PinCheck(PinStatus.LOCKED, until=until, locked_now=True)


def _verify(hasher: PasswordHasher, stored: str, pin: str) -> bool:
    try:
        return hasher.verify(stored, pin)
    except (VerificationError, InvalidHashError):
        return False


def lockout_duration(level: int, settings: SecuritySettings) -> timedelta:
    """How long lockout number ``level`` (0 for the first) lasts."""
    minutes = settings.pin_lockout_minutes * 2 ** min(level, 30)
    return min(timedelta(minutes=minutes), timedelta(hours=settings.pin_lockout_max_hours))


async def _lock(
    tx: Tx, *, phone: str, settings: SecuritySettings, previous: Lockout | None
) -> datetime:
    """Lock the number; the level grows from the previous lockout unless that one ended more
    than ``pin_lockout_max_hours`` ago (then it starts again at 0)."""
    level = 0
    recent = timedelta(hours=settings.pin_lockout_max_hours)
    if previous is not None and tx.now - previous.until < recent:
        level = previous.level + 1
    until = tx.now + lockout_duration(level, settings)
    await tx.pins.set_lockout(phone, until=until, level=level)
    await tx.pins.clear_failures(phone)
    return until


def chiefs(plan: Plan) -> list[Person]:
    """The people holding any playbook's leader role (the project chief)."""
    roles = {p.leader_role for p in plan.playbooks.playbooks}
    return list(plan.directory.with_any_role(roles))


async def _tell_chiefs(tx: Tx, *, plan: Plan, person_id: str, phone: str, until: datetime) -> None:
    person = plan.directory.person(person_id)
    name = person.name if person else person_id
    for chief in chiefs(plan):
        if not chief.phone:
            continue
        at = clock(until, now=tx.now, language=chief.language)
        text = texts("pin_locked_chiefs", chief.language, name=name, phone=phone, at=at)
        await replies.sms_reply(tx, to=chief.phone, text=text, person_id=chief.id)
