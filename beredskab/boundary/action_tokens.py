"""Action tokens derived from the delivery that carries them, instead of a stored row each.

A Telegram button's callback data is ``<delivery id>.<code>.<mac>`` (code ``a`` for "ack",
``d`` for "decline"); an email's acknowledgement link is ``/a/<delivery id>.a.<mac>`` (the
link page both confirms and declines). The mac is HMAC-SHA256 over ``<delivery id>.<code>``,
cut to 16 bytes, in unpadded urlsafe base64, keyed with a subkey of the link secret: one
subkey for buttons and one for links, so button data is no link, and neither is any other
value the link secret signs (sign-in codes, preparedness links). After a rotation
(``security.keys``) tokens made with the previous key are accepted until it retires. A
forged or altered token is refused before the database is asked; the person and the
incident come from the delivery row, and a use is recorded in ``action_uses`` (one row per
delivery and action).

Tokens stay short: at most 10 + 3 + 22 characters, well inside Telegram's 64 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from beredskab.catalog.texts import Texts

if TYPE_CHECKING:
    from beredskab.models import ActionToken, Confirmation, Incident
    from beredskab.storage import Tx
    from notifier.types import ChannelKind

ACTION_CODES = {"ack": "a", "decline": "d"}
"""The code of each action a delivery's tokens can carry."""
ACTIONS = {code: action for action, code in ACTION_CODES.items()}
LINK_ACTION = "ack"
"""The action behind an email's acknowledgement link."""
texts = Texts("security")
"""The security texts; here the labels of the Telegram buttons (``button.<action>``)."""
BUTTON_LABELS = texts.mark("button.ack", "button.decline")
"""The keys of the Telegram buttons' labels, one per action."""
MAC_BYTES = 16
MAX_CHARS = 64
"""No derived token is longer (Telegram's limit for callback data)."""
_TOKEN = re.compile(r"([1-9][0-9]{0,17})\.([a-z])\.([A-Za-z0-9_-]{22})")


class Use(StrEnum):
    """Where a token travels; each has its own subkey."""

    BUTTON = "button"
    LINK = "link"


@dataclass(frozen=True)
class ActionRef:
    """What a verified token names: one action on one delivery."""

    delivery_id: int
    action: str


def label(action: str, language: str) -> str:
    """The button label of ``action`` in ``language`` (Danish when there is none)."""
    key = f"button.{action}"
    if key not in BUTTON_LABELS:
        raise KeyError(f"no button label for the action {action!r}")
    return texts(key, language)


def is_derived(token: str) -> bool:
    """Whether ``token`` has the shape of a derived token (stored ones contain no dots, and
    signed stored links only one)."""
    return token.count(".") == 2


class ActionKeys:
    """Makes and checks derived action tokens with subkeys of one secret."""

    def __init__(self, secret: bytes) -> None:
        self._keys = {
            use: hmac.new(
                secret, f"beredskab action tokens: {use.value}".encode(), "sha256"
            ).digest()
            for use in Use
        }

    def _mac(self, use: Use, value: str) -> str:
        digest = hmac.new(self._keys[use], value.encode(), hashlib.sha256).digest()[:MAC_BYTES]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def token(self, use: Use, delivery_id: int, action: str) -> str:
        """The token for ``action`` on delivery ``delivery_id``."""
        if delivery_id < 1:
            raise ValueError("a delivery id is positive")
        value = f"{delivery_id}.{ACTION_CODES[action]}"
        return f"{value}.{self._mac(use, value)}"

    def verify(self, use: Use, token: str) -> ActionRef | None:
        """What a token names, or None when it is malformed or its mac does not match.
        Reads no database."""
        found = _TOKEN.fullmatch(token) if len(token) <= MAX_CHARS else None
        if found is None or found[2] not in ACTIONS:
            return None
        expected = self._mac(use, f"{found[1]}.{found[2]}")
        if not hmac.compare_digest(found[3].encode(), expected.encode()):
            return None
        return ActionRef(int(found[1]), ACTIONS[found[2]])


class ActionKeyring:
    """Derived action tokens under a keyring: made with the current key, accepted under any
    key not yet retired; ``check`` also tells a token made with a retired key."""

    def __init__(
        self, current: ActionKeys, accepted: list[ActionKeys], retired: list[ActionKeys]
    ) -> None:
        self._current, self._accepted, self._retired = current, accepted, retired

    def token(self, use: Use, delivery_id: int, action: str) -> str:
        """The token for ``action`` on delivery ``delivery_id``, with the current key."""
        return self._current.token(use, delivery_id, action)

    def check(self, use: Use, token: str) -> tuple[ActionRef | None, bool]:
        """What a token names (None when no accepted key made it), and whether a retired key
        made it."""
        for keys in self._accepted:
            ref = keys.verify(use, token)
            if ref is not None:
                return ref, False
        return None, any(keys.verify(use, token) is not None for keys in self._retired)

    def verify(self, use: Use, token: str) -> ActionRef | None:
        """What a token names, or None when it is malformed or no accepted key made it."""
        return self.check(use, token)[0]


@dataclass(frozen=True)
class TokenContext:
    """A token with its incident and its person's confirmation of it (None where none)."""

    token: ActionToken
    incident: Incident | None
    confirmation: Confirmation | None


Ref = ActionRef | str
"""A verified token: a derived one, or a candidate key of a stored ``action_tokens`` row
(buttons the bot shows itself, preparedness requests, and all sent before derivation)."""


async def resolve(tx: Tx, ref: Ref, *, channel: ChannelKind) -> ActionToken | None:
    """The token ``ref`` stands for (a derived one read from its ``channel`` delivery), with
    its recorded use; None when there is none."""
    if isinstance(ref, str):
        return await tx.people.token(ref)
    return await tx.people.derived_token(
        "", delivery_id=ref.delivery_id, action=ref.action, channel=channel.value
    )


async def resolve_in_context(tx: Tx, ref: Ref, *, channel: ChannelKind) -> TokenContext | None:
    """``resolve``, with the token's incident and its person's confirmation of it (None where
    there is none): one query for a derived token (``resolve_many_in_context`` of one)."""
    return (await resolve_many_in_context(tx, [ref], channel=channel))[ref]


async def resolve_many_in_context(
    tx: Tx, refs: Sequence[Ref], *, channel: ChannelKind
) -> dict[Ref, TokenContext | None]:
    """``resolve_in_context`` for each of ``refs``: one query for the derived tokens of one
    action, whatever their number."""
    stored, derived = _split(refs)
    found: dict[Ref, TokenContext | None] = {}
    for token in stored:
        found[token] = await _stored_in_context(tx, token)
    for action, same in derived.items():
        answers = await tx.people.derived_answers(
            [ref.delivery_id for ref in same], action=action, channel=channel.value
        )
        for ref in same:
            answer = answers.get(ref.delivery_id)
            found[ref] = TokenContext(*answer) if answer else None
    return found


async def _stored_in_context(tx: Tx, ref: str) -> TokenContext | None:
    token = await tx.people.token(ref)
    if token is None:
        return None
    incident = await tx.incidents.get(token.incident_id) if token.incident_id is not None else None
    confirmation = (
        await tx.incidents.confirmation(incident.id, token.person_id) if incident else None
    )
    return TokenContext(token, incident, confirmation)


async def spend(tx: Tx, ref: Ref) -> bool:
    """Record a use of ``ref``; True only the first time (``spend_many`` of one)."""
    return ref in await spend_many(tx, [ref])


async def spend_many(tx: Tx, refs: Sequence[Ref]) -> set[Ref]:
    """Record a use of each of ``refs``; the ones used for the first time. The derived tokens
    of one action take one statement, whatever their number."""
    stored, derived = _split(refs)
    spent: set[Ref] = {ref for ref in stored if await tx.people.use_token(ref, now=tx.now)}
    for action, same in derived.items():
        used = await tx.people.use_actions([ref.delivery_id for ref in same], action, now=tx.now)
        spent.update(ref for ref in same if ref.delivery_id in used)
    return spent


def _split(refs: Sequence[Ref]) -> tuple[list[str], dict[str, list[ActionRef]]]:
    """``refs`` as stored tokens, in order, and derived ones grouped by action."""
    stored: list[str] = []
    derived: dict[str, list[ActionRef]] = {}
    for ref in refs:
        if isinstance(ref, str):
            stored.append(ref)
        else:
            derived.setdefault(ref.action, []).append(ref)
    return stored, derived
