"""Bounds on inbound strings and numbers, checked at every boundary before the database.

The same on SQLite and PostgreSQL: PostgreSQL refuses NUL in text and lone surrogates are not
UTF-8, so text with either is refused; string lengths come from the columns they are stored
in (``beredskab.storage.limits``); ids are ASCII digits only (``"²".isdigit()`` is true in
Python) and at most ``MAX_ID``, the range of an ``INTEGER`` column on PostgreSQL.
"""

from __future__ import annotations

import re

from beredskab.errors import BeredskabError, Phrase
from beredskab.storage.limits import MAX_INTEGER, column_length

MAX_ID = MAX_INTEGER
"""The largest id anywhere (incidents, deliveries, tasks, log entries)."""

_REFUSED_CHARS = re.compile("[\x00\ud800-\udfff]")
_DIGITS = re.compile(r"[0-9]{1,10}", re.ASCII)

NUL_FREE_PATTERN = r"^[^\x00]*$"
"""A JSON Schema pattern for text without NUL (lone surrogates are not valid JSON text)."""

PHONE_CHARS = column_length("pin_failures", "phone")
"""A sender's phone number, as stored with PIN failures and lockouts."""
PROVIDER_ID_CHARS = column_length("inbound", "provider_id")
"""A provider's id for an inbound event (MessageSid, CallSid + status, update_id)."""
PLAYBOOK_ID_CHARS = column_length("incidents", "playbook_id")
POLICE_CASE_CHARS = column_length("incidents", "police_case")
TEXT_CHARS = 4000
"""Free text through the API and the webhooks (a log entry; an SMS is at most 1,600)."""
STORED_TEXT_CHARS = 50_000
"""Free text a use case stores (log entries, descriptions, notes, outcomes in ``Text``
columns), from any interface: more than a message or a form can carry, and a bound all the
same (the CLI takes what it is given)."""
FIELD_CHARS = 4000
"""Any other provider field we store in the inbox (an SMS body is at most 1,600)."""


class InputRefusedError(BeredskabError):
    """An inbound value is out of bounds: too long, NUL, or not a number we can store."""


def refusal(value: str, *, max_chars: int) -> str | None:
    """Why ``value`` cannot be stored (in English, without echoing it), or None if it can."""
    if len(value) > max_chars:
        return f"longer than {max_chars} characters"
    if _REFUSED_CHARS.search(value):
        return "contains a NUL character or invalid Unicode"
    return None


TELEGRAM_STRING_CHARS = 8192
"""The longest string a Telegram update may carry (a message is at most 4,096 characters)."""


def json_refusal(value: object, *, max_chars: int) -> str | None:
    """Why a decoded JSON document cannot be stored and processed (a key or string with NUL
    or invalid Unicode, or longer than ``max_chars``), or None if it can."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            problem = refusal(item, max_chars=max_chars)
            if problem is not None:
                return problem
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None


def text(value: str, *, field: str, max_chars: int = STORED_TEXT_CHARS) -> str:
    """``value`` unchanged if it can be stored; ``InputRefusedError`` naming ``field`` if not."""
    if refusal(value, max_chars=max_chars) is None:
        return value
    if len(value) > max_chars:
        raise InputRefusedError(
            "{field} is longer than {max_chars} characters",
            field=Phrase(field),
            max_chars=max_chars,
        )
    raise InputRefusedError(
        "{field} contains a NUL character or invalid Unicode", field=Phrase(field)
    )


def parse_id(value: str) -> int | None:
    """The id written in ``value`` (ASCII digits, 1..MAX_ID), or None if it is not one."""
    if not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def valid_id(value: int) -> bool:
    """Whether ``value`` is in the id range (1..MAX_ID)."""
    return 1 <= value <= MAX_ID


def _at_most(limit: str) -> str:
    """A regex for the decimal numbers with ``len(limit)`` digits that are ≤ ``limit``."""
    parts = []
    for i, digit in enumerate(limit):
        rest = len(limit) - i - 1
        if digit != "0":
            low = "0" if i else "1"
            if int(digit) - 1 >= int(low):
                tail = f"[0-9]{{{rest}}}" if rest else ""
                parts.append(f"{limit[:i]}[{low}-{int(digit) - 1}]{tail}")
    parts.append(limit)
    return "|".join(parts)


ID_REGEX = f"0*(?:[1-9][0-9]{{0,{len(str(MAX_ID)) - 2}}}|{_at_most(str(MAX_ID))})"
"""A regex that matches exactly the ids 1..MAX_ID in ASCII digits (leading zeros allowed)."""
