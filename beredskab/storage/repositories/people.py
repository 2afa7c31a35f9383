"""Runtime data about directory people: Telegram links, bot dialogues, stored action tokens
and the uses of derived ones."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, and_, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.models import ActionToken, Confirmation, Incident
from beredskab.storage.repositories.answering import (
    CONFIRMATION_COLUMNS,
    INCIDENT_COLUMNS,
    confirmation_of,
    incident_of,
)
from beredskab.storage.tables import (
    action_tokens,
    action_uses,
    confirmations,
    deliveries,
    incidents,
    telegram_dialogues,
    telegram_links,
)


class PeopleRepo:
    """Telegram links (person ↔ user/chat), bot dialogue state, stored action tokens and the
    uses of derived ones."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def link_telegram(
        self, person_id: str, *, user_id: int, chat_id: int, now: datetime
    ) -> None:
        """Bind a person to a Telegram user and chat, replacing earlier links of either."""
        await self._conn.execute(
            delete(telegram_links).where(
                (telegram_links.c.person_id == person_id) | (telegram_links.c.user_id == user_id)
            )
        )
        await self._conn.execute(
            insert(telegram_links).values(
                person_id=person_id, user_id=user_id, chat_id=chat_id, linked_at=now
            )
        )

    async def telegram_chats(self, person_ids: Iterable[str]) -> dict[str, int]:
        """Chat id per linked person."""
        ids = list(person_ids)
        if not ids:
            return {}
        stmt = select(telegram_links.c.person_id, telegram_links.c.chat_id).where(
            telegram_links.c.person_id.in_(ids)
        )
        return {p: int(c) for p, c in await self._conn.execute(stmt)}

    async def person_for_telegram_user(self, user_id: int) -> str | None:
        """The person bound to a Telegram user id."""
        stmt = select(telegram_links.c.person_id).where(telegram_links.c.user_id == user_id)
        value: str | None = (await self._conn.execute(stmt)).scalar()
        return value

    async def dialogue(self, key: str) -> tuple[str | None, dict[str, Any]]:
        """(state, data) of a bot dialogue; (None, {}) when there is none."""
        stmt = select(telegram_dialogues.c.state, telegram_dialogues.c.data).where(
            telegram_dialogues.c.key == key
        )
        row = (await self._conn.execute(stmt)).first()
        return (row.state, dict(json.loads(row.data))) if row else (None, {})

    async def save_dialogue(
        self, key: str, *, state: str | None, data: Mapping[str, Any], now: datetime
    ) -> None:
        """Store a dialogue's state and data (JSON); an empty dialogue is deleted."""
        await self._conn.execute(delete(telegram_dialogues).where(telegram_dialogues.c.key == key))
        if state is not None or data:
            await self._conn.execute(
                insert(telegram_dialogues).values(
                    key=key, state=state, data=json.dumps(dict(data)), updated_at=now
                )
            )

    async def add_tokens(self, tokens: Iterable[ActionToken]) -> None:
        """Store button tokens (one round trip)."""
        rows = [token.model_dump() for token in tokens]
        if rows:
            await self._conn.execute(insert(action_tokens), rows)

    async def tokens_for(self, delivery_id: int) -> list[ActionToken]:
        """The button tokens of one delivery, in creation order."""
        stmt = (
            select(action_tokens)
            .where(action_tokens.c.delivery_id == delivery_id)
            .order_by(action_tokens.c.created_at, action_tokens.c.action)
        )
        return [ActionToken.model_validate(r) for r in await self._conn.execute(stmt)]

    async def tokens_for_many(self, delivery_ids: list[int]) -> dict[int, list[ActionToken]]:
        """Button tokens per delivery for a batch of deliveries."""
        if not delivery_ids:
            return {}
        stmt = (
            select(action_tokens)
            .where(action_tokens.c.delivery_id.in_(delivery_ids))
            .order_by(action_tokens.c.delivery_id, action_tokens.c.created_at)
        )
        found: dict[int, list[ActionToken]] = {}
        for row in await self._conn.execute(stmt):
            token = ActionToken.model_validate(row)
            found.setdefault(int(row.delivery_id), []).append(token)
        return found

    async def token(self, token: str) -> ActionToken | None:
        """One token."""
        row = (
            await self._conn.execute(select(action_tokens).where(action_tokens.c.token == token))
        ).first()
        return ActionToken.model_validate(row) if row else None

    async def use_token(self, token: str, *, now: datetime) -> bool:
        """Mark a token used; True only the first time."""
        result = await self._conn.execute(
            update(action_tokens)
            .where(action_tokens.c.token == token, action_tokens.c.used_at.is_(None))
            .values(used_at=now)
        )
        return result.rowcount == 1

    async def derived_token(
        self, token: str, *, delivery_id: int, action: str, channel: str
    ) -> ActionToken | None:
        """The token a verified derived ``token`` stands for, read from its delivery: None
        unless the delivery exists, went out on ``channel`` and carries ``action``. Its
        ``used_at`` is the recorded use, if any."""
        params = {"delivery_id": delivery_id, "action": action, "channel": channel}
        row = (await self._conn.execute(_DERIVED, params)).first()
        return _derived_token(token, delivery_id, action, row)

    async def derived_answers(
        self, delivery_ids: Sequence[int], *, action: str, channel: str
    ) -> dict[int, tuple[ActionToken, Incident | None, Confirmation | None]]:
        """``derived_token`` with the delivery's incident and its person's confirmation of it
        (None where there is none) for each of ``delivery_ids``, in one query: what an email
        link's page and its answer check. A delivery with no such token is left out."""
        params = {"ids": list(dict.fromkeys(delivery_ids)), "action": action, "channel": channel}
        found = {}
        for row in await self._conn.execute(_DERIVED_ANSWERS, params):
            delivery_id = int(row.delivery_id)
            token = _derived_token("", delivery_id, action, row)
            if token is not None:
                found[delivery_id] = (token, incident_of(row), confirmation_of(row))
        return found

    async def use_actions(
        self, delivery_ids: Sequence[int], action: str, *, now: datetime
    ) -> set[int]:
        """Record the use of derived tokens, in one statement; the deliveries whose token
        was used for the first time (a concurrent second use waits for the first to commit
        and then finds it)."""
        rows = [
            {"delivery_id": delivery_id, "action": action, "used_at": now}
            for delivery_id in dict.fromkeys(delivery_ids)
        ]
        if not rows:
            return set()
        result = await self._conn.execute(_use_action(self._conn.dialect.name), rows)
        return {int(row.delivery_id) for row in result}


_TOKEN_OF_DELIVERY = (
    select(
        deliveries.c.incident_id,
        deliveries.c.person_id,
        deliveries.c.actions,
        deliveries.c.created_at,
        action_uses.c.used_at,
    )
    .select_from(deliveries)
    .outerjoin(
        action_uses,
        and_(
            action_uses.c.delivery_id == deliveries.c.id,
            action_uses.c.action == bindparam("action"),
        ),
    )
    .where(deliveries.c.channel == bindparam("channel"))
)
"""A delivery with the recorded use of its ``action`` (parameters ``action``, ``channel``)."""
_DERIVED = _TOKEN_OF_DELIVERY.where(deliveries.c.id == bindparam("delivery_id"))
"""The delivery a derived token names, with the recorded use of its ``action`` (parameters
``delivery_id``, ``action``, ``channel``); built once, so neither built nor keyed for the
statement cache again per use."""
_DERIVED_ANSWERS = (
    _TOKEN_OF_DELIVERY.add_columns(
        deliveries.c.id.label("delivery_id"), *INCIDENT_COLUMNS, *CONFIRMATION_COLUMNS
    )
    .outerjoin(incidents, incidents.c.id == deliveries.c.incident_id)
    .outerjoin(
        confirmations,
        and_(
            confirmations.c.incident_id == deliveries.c.incident_id,
            confirmations.c.person_id == deliveries.c.person_id,
        ),
    )
    .where(deliveries.c.id.in_(bindparam("ids", expanding=True)))
)
"""``_DERIVED`` for several deliveries (parameter ``ids``, a list), with each one's id, its
incident and its person's confirmation of it."""


@cache
def _use_action(dialect: str) -> Insert:
    """The insert of a derived token's use that does nothing when it was used (parameters
    ``delivery_id``, ``action``, ``used_at``; the ``delivery_id`` of each row written comes
    back), built once per dialect."""
    insert_into = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert_into(action_uses)
        .on_conflict_do_nothing(index_elements=[action_uses.c.delivery_id, action_uses.c.action])
        .returning(action_uses.c.delivery_id)
    )


def _derived_token(token: str, delivery_id: int, action: str, row: Any) -> ActionToken | None:
    """The token a ``_derived`` row stands for (None: no such delivery, or not ``action``)."""
    if row is None or action not in row.actions.split():
        return None
    return ActionToken(
        token=token,
        delivery_id=delivery_id,
        incident_id=row.incident_id,
        person_id=row.person_id,
        action=action,
        label="",
        created_at=row.created_at,
        used_at=row.used_at,
    )
