"""aiogram FSM storage in the service database: dialogues survive restarts and work the same
whether updates arrive by long polling or by webhook (and across instances)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from beredskab.storage import Database


def key_text(key: StorageKey) -> str:
    """One string per (bot, chat, user, thread, business connection, destiny)."""
    parts = (
        key.bot_id,
        key.chat_id,
        key.user_id,
        key.thread_id or "",
        key.business_connection_id or "",
        key.destiny,
    )
    return ":".join(str(p) for p in parts)


class DatabaseStorage(BaseStorage):
    """State and data per key, one short transaction per call."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        """Set (or clear, with None) the state."""
        value = state.state if isinstance(state, State) else state
        async with self._db.transaction() as tx:
            _, data = await tx.people.dialogue(key_text(key))
            await tx.people.save_dialogue(key_text(key), state=value, data=data, now=tx.now)

    async def get_state(self, key: StorageKey) -> str | None:
        """The current state."""
        async with self._db.transaction() as tx:
            state, _ = await tx.people.dialogue(key_text(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        """Replace the data (JSON values only)."""
        async with self._db.transaction() as tx:
            state, _ = await tx.people.dialogue(key_text(key))
            await tx.people.save_dialogue(key_text(key), state=state, data=data, now=tx.now)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        """A copy of the data."""
        async with self._db.transaction() as tx:
            _, data = await tx.people.dialogue(key_text(key))
        return data

    async def close(self) -> None:
        """Nothing to close: the database belongs to the app."""
