"""API tokens for integrations: only the SHA-256 of each token is stored, never the token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.storage.tables import api_tokens


@dataclass(frozen=True, slots=True)
class ApiToken:
    """One token as the operator sees it: its name, display prefix and the person it acts as."""

    id: int
    name: str
    prefix: str
    person_id: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def revoked(self) -> bool:
        """True once the token was revoked."""
        return self.revoked_at is not None


_COLUMNS = (
    api_tokens.c.id,
    api_tokens.c.name,
    api_tokens.c.prefix,
    api_tokens.c.person_id,
    api_tokens.c.created_at,
    api_tokens.c.last_used_at,
    api_tokens.c.revoked_at,
)


class ApiTokenRepo:
    """Create, look up (by hash), list and revoke API tokens."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(
        self, *, name: str, prefix: str, token_hash: str, person_id: str, now: datetime
    ) -> ApiToken:
        """Store a new token's hash; returns the stored token."""
        result = await self._conn.execute(
            insert(api_tokens)
            .values(
                name=name,
                prefix=prefix,
                token_hash=token_hash,
                person_id=person_id,
                created_at=now,
            )
            .returning(*_COLUMNS)
        )
        return ApiToken(**result.one()._mapping)

    async def get(self, token_id: int) -> ApiToken | None:
        """The token with this id."""
        row = (
            await self._conn.execute(select(*_COLUMNS).where(api_tokens.c.id == token_id))
        ).first()
        return ApiToken(**row._mapping) if row else None

    async def by_hash(self, token_hash: str) -> ApiToken | None:
        """The token whose SHA-256 (hex) is ``token_hash``, revoked or not."""
        stmt = select(*_COLUMNS).where(api_tokens.c.token_hash == token_hash)
        row = (await self._conn.execute(stmt)).first()
        return ApiToken(**row._mapping) if row else None

    async def list(self) -> list[ApiToken]:
        """Every token, oldest first."""
        stmt = select(*_COLUMNS).order_by(api_tokens.c.id)
        return [ApiToken(**row._mapping) for row in await self._conn.execute(stmt)]

    async def touch(self, token_id: int, *, now: datetime) -> None:
        """Remember when the token was last used."""
        await self._conn.execute(
            update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now)
        )

    async def revoke(self, token_id: int, *, now: datetime) -> bool:
        """Revoke a token; False if it does not exist or was already revoked."""
        result = await self._conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount == 1
