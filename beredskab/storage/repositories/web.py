"""Sign-in codes and sessions of the mobile pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.storage.tables import web_codes, web_sessions


@dataclass(frozen=True, slots=True)
class SignInCode:
    """A one-time code sent to a person (only its hash is stored)."""

    id: int
    person_id: str
    code_hash: str
    channel: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    attempts: int
    client: str = ""
    subject: str = ""


@dataclass(frozen=True, slots=True)
class WebSession:
    """A signed-in browser; ``id`` is the hash of the cookie's secret."""

    id: str
    person_id: str
    csrf: str
    language: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ended_at: datetime | None


class WebRepo:
    """Queries on sign-in codes and sessions."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_code(
        self,
        *,
        person_id: str,
        code_hash: str,
        channel: str,
        now: datetime,
        expires_at: datetime,
        client: str = "",
        subject: str = "",
    ) -> int:
        """Store a new code (asked for by ``client`` for ``subject``); returns its id."""
        result = await self._conn.execute(
            insert(web_codes)
            .values(
                person_id=person_id,
                code_hash=code_hash,
                channel=channel,
                created_at=now,
                expires_at=expires_at,
                attempts=0,
                client=client,
                subject=subject,
            )
            .returning(web_codes.c.id)
        )
        return int(result.scalar_one())

    async def code(self, code_id: int) -> SignInCode | None:
        """One code by id."""
        row = (await self._conn.execute(select(web_codes).where(web_codes.c.id == code_id))).first()
        return None if row is None else SignInCode(**row._mapping)

    async def requests_since(self, *, subject: str, client: str, since: datetime) -> int:
        """How many codes ``client`` asked for ``subject`` since ``since`` (sent or not)."""
        query = select(func.count()).where(
            web_codes.c.subject == subject,
            web_codes.c.client == client,
            web_codes.c.created_at >= since,
        )
        return int((await self._conn.execute(query)).scalar_one())

    async def client_requests_since(self, client: str, since: datetime) -> int:
        """How many codes ``client`` asked for since ``since``, for anyone."""
        query = select(func.count()).where(
            web_codes.c.client == client, web_codes.c.created_at >= since
        )
        return int((await self._conn.execute(query)).scalar_one())

    async def sent_since(self, since: datetime) -> int:
        """How many codes were really sent (to a person) since ``since``, service-wide."""
        query = select(func.count()).where(
            web_codes.c.created_at >= since, web_codes.c.person_id != ""
        )
        return int((await self._conn.execute(query)).scalar_one())

    async def forget_codes(self, before: datetime) -> int:
        """Delete codes made before ``before`` (long expired); returns how many."""
        result = await self._conn.execute(delete(web_codes).where(web_codes.c.created_at < before))
        return result.rowcount

    async def count_attempt(self, code_id: int) -> None:
        """One more wrong guess against the code."""
        await self._conn.execute(
            update(web_codes)
            .where(web_codes.c.id == code_id)
            .values(attempts=web_codes.c.attempts + 1)
        )

    async def use_code(self, code_id: int, now: datetime) -> bool:
        """Mark the code used; False if it already was (a concurrent sign-in won)."""
        result = await self._conn.execute(
            update(web_codes)
            .where(web_codes.c.id == code_id, web_codes.c.used_at.is_(None))
            .values(used_at=now)
        )
        return result.rowcount == 1

    async def add_session(self, session: WebSession) -> None:
        """Store a new session."""
        await self._conn.execute(
            insert(web_sessions).values(
                id=session.id,
                person_id=session.person_id,
                csrf=session.csrf,
                language=session.language,
                created_at=session.created_at,
                last_seen_at=session.last_seen_at,
                expires_at=session.expires_at,
                ended_at=session.ended_at,
            )
        )

    async def session(self, session_id: str) -> WebSession | None:
        """One session by id (ended ones included)."""
        query = select(web_sessions).where(web_sessions.c.id == session_id)
        row = (await self._conn.execute(query)).first()
        return None if row is None else WebSession(**row._mapping)

    async def touch(self, session_id: str, now: datetime) -> None:
        """Record activity (moves the idle timeout)."""
        await self._conn.execute(
            update(web_sessions).where(web_sessions.c.id == session_id).values(last_seen_at=now)
        )

    async def set_language(self, session_id: str, language: str) -> None:
        """Switch the session's page language."""
        await self._conn.execute(
            update(web_sessions).where(web_sessions.c.id == session_id).values(language=language)
        )

    async def end(self, session_id: str, now: datetime) -> None:
        """Sign out: the session no longer authenticates."""
        await self._conn.execute(
            update(web_sessions)
            .where(web_sessions.c.id == session_id, web_sessions.c.ended_at.is_(None))
            .values(ended_at=now)
        )
