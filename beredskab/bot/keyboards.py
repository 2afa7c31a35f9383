"""Inline keyboards: the activation dialogue's callback data and opaque per-person tokens.

Buttons the bot shows itself that act on an incident (tasks, steps, stand-down) carry an
opaque token from the ``action_tokens`` table, bound to one person and one action such as
``task-accept:<incident>:<task>``; the data itself grants nothing. (An alert's Modtaget / Kan
ikke buttons carry tokens derived from their delivery instead: ``security.action_tokens``.)
The activation dialogue's buttons only choose values inside that user's own dialogue (FSM),
so they use ``CallbackData``.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from beredskab.bot.texts import t
from beredskab.boundary import bounds
from beredskab.i18n import Language
from beredskab.models import ActionToken

if TYPE_CHECKING:
    from beredskab.services import Services

ACK = "ack"
DECLINE = "decline"
TASK_ACCEPT = "task-accept"
TASK_DONE = "task-done"
TASK_DECLINE = "task-decline"
STEP_DONE = "step-done"
CLOSE = "close"
KEEP = "keep"
COMM_APPROVE = "comm-approve"
COMM_SEND = "comm-send"

LABELS = {
    TASK_ACCEPT: "btn_task_accept",
    TASK_DONE: "btn_task_done",
    TASK_DECLINE: "btn_task_decline",
    STEP_DONE: "btn_step_done",
    CLOSE: "btn_close",
    KEEP: "btn_keep",
    COMM_APPROVE: "btn_comm_approve",
    COMM_SEND: "btn_comm_send",
}
"""The text key of each verb's button label (``texts.t(LABELS[verb], language)``)."""


class ActivateCb(CallbackData, prefix="akt"):
    """A choice in the /aktiver dialogue: ``step`` is group, zone, police, confirm or cancel."""

    step: str
    value: str = ""


@dataclass(frozen=True)
class Action:
    """A token's action parsed: verb plus the incident and item number it names."""

    verb: str
    incident_id: int | None = None
    number: int | None = None

    @classmethod
    def parse(cls, action: str) -> Action:
        """``verb[:incident[:number]]`` → Action; malformed numbers become None."""
        parts = action.split(":")
        numbers = [bounds.parse_id(p) for p in parts[1:3]]
        numbers += [None] * (2 - len(numbers))
        return cls(parts[0], numbers[0], numbers[1])

    def __str__(self) -> str:
        return ":".join(str(p) for p in (self.verb, self.incident_id, self.number) if p is not None)


def share_contact(language: Language) -> ReplyKeyboardMarkup:
    """Telegram's own share-my-phone-number button."""
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=t("share_button", language), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def choices(rows: Sequence[Sequence[tuple[str, CallbackData]]]) -> InlineKeyboardMarkup:
    """An inline keyboard of (label, callback data) rows."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data.pack()) for label, data in row]
            for row in rows
        ]
    )


async def token_keyboard(
    app: Services,
    *,
    person_id: str,
    incident_id: int,
    actions: Sequence[Action],
    language: Language,
) -> InlineKeyboardMarkup:
    """Store one opaque token per action for ``person_id``; one button per action, in a row,
    labelled in ``language``."""
    async with app.db.transaction() as tx:
        tokens = [
            ActionToken(
                token=secrets.token_urlsafe(16),
                delivery_id=None,
                incident_id=incident_id,
                person_id=person_id,
                action=str(action),
                label=t(LABELS[action.verb], language),
                created_at=tx.now,
                used_at=None,
            )
            for action in actions
        ]
        await tx.people.add_tokens(tokens)
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=t.label, callback_data=t.token) for t in tokens]
        ]
    )


def without(markup: InlineKeyboardMarkup | None, data: str) -> InlineKeyboardMarkup | None:
    """The keyboard minus the button carrying ``data`` (None when nothing is left)."""
    rows = [
        [b for b in row if b.callback_data != data]
        for row in (markup.inline_keyboard if markup else [])
    ]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
