"""API tokens for integrations: created by the CLI, stored hashed, each acting as one person.

A token is ``bk_`` + 32 random bytes (URL-safe base64). Only its SHA-256 (hex) and a short
display prefix are stored, so the plaintext exists once: in the answer to ``create``. Every
API call made with a token acts as the directory person named at creation; that person's
roles decide what the call may do, through the same checks as every other interface.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from beredskab.errors import BeredskabError, InvalidStateError, NotFoundError
from beredskab.plan import Plan
from beredskab.security import access, audit
from beredskab.storage import Database
from beredskab.storage.repositories.api_tokens import ApiToken
from contacts.models import Person

TOKEN_PREFIX = "bk_"
DISPLAY_CHARS = 10
"""How many leading characters of a token listings show (``bk_`` + 7)."""
MAX_TOKEN_CHARS = 200
"""Anything longer is not one of ours; it is refused before it is hashed."""
MAX_NAME_CHARS = 100
TOUCH_SECONDS = 60
"""A token's ``last_used_at`` is brought up to date at most this often (to the minute)."""
TOUCH = timedelta(seconds=TOUCH_SECONDS)

__all__ = [
    "ApiToken",
    "Caller",
    "CreatedToken",
    "TokenRefused",
    "authenticate",
    "create",
    "hash_token",
    "list_tokens",
    "revoke",
]


class TokenRefused(BeredskabError):
    """The presented token is missing, unknown or revoked, or its person left the directory."""


@dataclass(frozen=True)
class CreatedToken:
    """A new token: the stored record and the plaintext, which is never available again."""

    token: ApiToken
    plaintext: str


@dataclass(frozen=True)
class Caller:
    """Who an authenticated API call acts as, and through which token."""

    person: Person
    token: ApiToken


def hash_token(plaintext: str) -> str:
    """The SHA-256 (hex) of a token: what the database stores and looks up."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


async def create(
    *,
    db: Database,
    plan: Plan,
    name: str,
    person_id: str,
    actor: str = "cli",
    channel: str = "cli",
) -> CreatedToken:
    """Create a token acting as a directory person; the plaintext is returned only here."""
    person = access.person(plan, person_id)
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise InvalidStateError(
            "a token needs a name of 1-{max} characters, e.g. the integration's name",
            max=MAX_NAME_CHARS,
        )
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with db.transaction() as tx:
        token = await tx.api_tokens.add(
            name=name,
            prefix=plaintext[:DISPLAY_CHARS],
            token_hash=hash_token(plaintext),
            person_id=person.id,
            now=tx.now,
        )
        await audit.record(
            tx,
            actor=actor,
            action="api_token.create",
            channel=channel,
            detail=f"token {token.id} '{name}' ({token.prefix}…) acts as {person.id}",
        )
    return CreatedToken(token=token, plaintext=plaintext)


async def list_tokens(*, db: Database) -> list[ApiToken]:
    """Every token, revoked ones included, oldest first (no secrets: they are not stored)."""
    async with db.transaction() as tx:
        return await tx.api_tokens.list()


async def revoke(
    *, db: Database, token_id: int, actor: str = "cli", channel: str = "cli"
) -> ApiToken:
    """Revoke a token: every later call with it is refused (401)."""
    async with db.transaction() as tx:
        token = await tx.api_tokens.get(token_id)
        if token is None:
            raise NotFoundError(
                "there is no API token {token}; see `beredskab token list`", token=token_id
            )
        if not await tx.api_tokens.revoke(token_id, now=tx.now):
            raise InvalidStateError("API token {token} is already revoked", token=token_id)
        await audit.record(
            tx,
            actor=actor,
            action="api_token.revoke",
            channel=channel,
            detail=f"token {token.id} '{token.name}' ({token.prefix}…) of {token.person_id}",
        )
        revoked = await tx.api_tokens.get(token_id)
    assert revoked is not None
    return revoked


async def authenticate(
    *, db: Database, plan: Plan, plaintext: str, channel: str, client: str = "unknown"
) -> Caller:
    """The person a token acts as, and the token marked as used; a presented token that is
    unknown, revoked or acts as someone who left the directory is audited and refused.

    The look-up is a read; ``last_used_at`` is written at most every ``TOUCH_SECONDS``, so
    most calls open no write transaction before their own. Refusals are counted per minute
    (per ``client`` address for unknown tokens, per person otherwise), so a flood of bad
    tokens writes a row a minute, not one per request."""
    known = plaintext.startswith(TOKEN_PREFIX) and len(plaintext) <= MAX_TOKEN_CHARS
    async with db.read() as tx:
        token = await tx.api_tokens.by_hash(hash_token(plaintext)) if known else None
        now = tx.now
    actor = "unknown"
    if token is None:
        refusal = TokenRefused("unknown API token")
        detail = f"unknown token {plaintext[:DISPLAY_CHARS]!r}"
    else:
        actor = token.person_id
        person = plan.directory.person(token.person_id)
        if token.revoked:
            refusal = TokenRefused(
                "API token {token} was revoked; ask for a new one", token=token.id
            )
        elif person is None:
            refusal = TokenRefused(
                "API token {token} acts as '{person}', who is no longer in the "
                "contact directory; revoke it and create a new one",
                token=token.id,
                person=token.person_id,
            )
        else:
            if token.last_used_at is None or now - token.last_used_at >= TOUCH:
                async with db.transaction() as tx:
                    await tx.api_tokens.touch(token.id, now=tx.now)
            return Caller(person=person, token=token)
        detail = f"token {token.id} '{token.name}': {refusal}"
    async with db.transaction() as tx:
        await audit.counted(
            tx,
            source=client if token is None else actor,
            action="api.auth",
            channel=channel,
            detail=detail,
        )
    raise refusal
