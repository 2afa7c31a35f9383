"""Personal acknowledgement links in emails: signed, single-use, expiring.

Every email that asks for confirmation carries ``<public_base_url>/a/<delivery id>.a.<mac>``,
derived from the email's delivery with a keyed MAC (``security.action_tokens``): nothing is
stored when the email is queued, and a forged or altered link is refused before the database
is asked. The person and the incident come from the delivery row. A link works once (its use
is recorded in ``action_uses``), and only until the incident is stood down or ``link_hours``
after the email was queued, whichever comes first. Links sent before tokens were derived,
``/a/<random>.<mac>`` behind an ``action_tokens`` row, keep working the same way.

The key is ``security.link_secret``, or when that is unset a key generated once in
``<data_dir>/keys/link.key`` (mode 0600) and shared by every process on that data folder:
serve, each CLI command and a second instance make and accept the same links and buttons.
A rotation (`beredskab keys rotate link`, or ``link_secret_previous``) keeps the previous key
accepted until it retires (by default ``link_hours`` later, when every link it made has
expired); a link made with a retired key is refused as such.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from enum import StrEnum
from pathlib import Path

from beredskab.boundary.action_tokens import (
    LINK_ACTION,
    ActionKeyring,
    ActionKeys,
    Ref,
    Use,
    is_derived,
)
from beredskab.boundary.keyring import KeySource, link_keyring
from beredskab.boundary.keys import Clock, Keyring, utcnow
from beredskab.errors import BeredskabError, ConfigError
from beredskab.settings import SecuritySettings

ACTION = LINK_ACTION
"""The action of the token behind an email link (it can confirm or decline)."""
MAC_BYTES = 16
MIN_SECRET_BYTES = 16


class LinkSigner:
    """Signs and verifies link tokens: ``<value>.<urlsafe-base64 HMAC-SHA256, 16 bytes>``;
    ``actions`` makes and checks the derived tokens of buttons and email links.

    It signs with the current key of its keyring and accepts previous keys until they retire
    (``security.keys``: a rotation); a stored key file is followed when it is rotated."""

    def __init__(self, keys: bytes | Keyring | KeySource, *, clock: Clock = utcnow) -> None:
        if isinstance(keys, bytes | Keyring):
            ring = keys if isinstance(keys, Keyring) else Keyring(keys)
            self._source: KeySource = lambda: ring
        else:
            self._source = keys
        self._clock = clock
        self._ring: Keyring | None = None
        self._actions: list[tuple[bytes, ActionKeys]] = []
        self._keyring()  # refuse a short key now, not at the first link

    @classmethod
    def random(cls) -> LinkSigner:
        """A signer with a fresh random key (its links die with the process; for tests)."""
        return cls(secrets.token_bytes(32))

    @classmethod
    def from_settings(
        cls, settings: SecuritySettings, *, data_dir: Path, clock: Clock = utcnow
    ) -> LinkSigner:
        """The signer for the configured secret (and the previous one, after a rotation);
        when none is set, for the keys stored in ``<data_dir>/keys/link.key`` (generated the
        first time, with a warning naming it; a rotation is picked up while running)."""
        return cls(
            link_keyring(settings, data_dir=data_dir, min_length=MIN_SECRET_BYTES), clock=clock
        )

    def _keyring(self) -> Keyring:
        ring = self._source()
        if ring is not self._ring:
            for key in (ring.current, *(k.secret for k in ring.previous)):
                if len(key) < MIN_SECRET_BYTES:
                    raise ConfigError(
                        "the link secret must be at least {min} bytes; "
                        "set security.link_secret to a long random value",
                        min=MIN_SECRET_BYTES,
                    )
            self._actions = [
                (key, ActionKeys(key)) for key in (ring.current, *(k.secret for k in ring.previous))
            ]
            self._ring = ring
        return ring

    def _split(self) -> tuple[list[bytes], list[bytes]]:
        """The keys accepted now (current first) and the retired ones."""
        ring, now = self._keyring(), self._clock()
        return ring.accepted(now), [k.secret for k in ring.retired(now)]

    @property
    def actions(self) -> ActionKeyring:
        """Derived action tokens under this signer's keys, as they are now."""
        accepted, retired = self._split()
        by_key = dict(self._actions)
        return ActionKeyring(
            by_key[accepted[0]], [by_key[k] for k in accepted], [by_key[k] for k in retired]
        )

    @staticmethod
    def _mac_with(secret: bytes, value: str) -> str:
        digest = hmac.new(secret, value.encode(), hashlib.sha256).digest()[:MAC_BYTES]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def _mac(self, value: str) -> str:
        return self._mac_with(self._keyring().current, value)

    def macs(self, value: str) -> list[str]:
        """The MAC of ``value`` under each key accepted now (the current key's first)."""
        return [self._mac_with(key, value) for key in self._split()[0]]

    def sign(self, value: str) -> str:
        """``value`` with its signature appended."""
        if not value or "." in value:
            raise ValueError("a signed value must be non-empty and contain no '.'")
        return f"{value}.{self._mac(value)}"

    def check(self, token: str) -> tuple[str | None, bool]:
        """The value inside a signed token (None when no accepted key signed it), and whether
        a retired key signed it."""
        value, dot, mac = token.rpartition(".")
        if not dot or not value or "." in value:
            return None, False
        accepted, retired = self._split()
        for key in accepted:
            if hmac.compare_digest(mac.encode(), self._mac_with(key, value).encode()):
                return value, False
        return None, any(
            hmac.compare_digest(mac.encode(), self._mac_with(key, value).encode())
            for key in retired
        )

    def verify(self, token: str) -> str | None:
        """The value inside a signed token, or None when the signature does not match (or
        the key that made it has retired)."""
        return self.check(token)[0]


def url(base: str, signer: LinkSigner, token: str) -> str:
    """The personal acknowledgement URL for a raw (stored) token."""
    return f"{base.rstrip('/')}/a/{signer.sign(token)}"


def delivery_url(base: str, signer: LinkSigner, delivery_id: int) -> str:
    """The personal acknowledgement URL of an email delivery (derived, nothing stored)."""
    return f"{base.rstrip('/')}/a/{signer.actions.token(Use.LINK, delivery_id, ACTION)}"


class Problem(StrEnum):
    """Why a link cannot be used."""

    INVALID = "invalid"  # signature does not match: altered or cut off
    UNKNOWN = "unknown"  # signed by us but no such token (e.g. another database)
    USED = "used"
    EXPIRED = "expired"
    CLOSED = "closed"  # the incident was stood down
    RETIRED = "retired"  # signed with a link key that was rotated out and has retired


class LinkError(BeredskabError):
    """An acknowledgement link that cannot be used, and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__("acknowledgement link refused: {problem}", problem=problem)
        self.problem = problem


def verified(signer: LinkSigner, signed: str) -> Ref:
    """What a link names once its signature is checked; reads no database. A link made with
    a retired key is refused as such (RETIRED), any other bad signature as INVALID."""
    if is_derived(signed):
        ref, retired = signer.actions.check(Use.LINK, signed)
        if ref is None or ref.action != ACTION:
            raise LinkError(Problem.RETIRED if retired else Problem.INVALID)
        return ref
    raw, retired = signer.check(signed)
    if raw is None:
        raise LinkError(Problem.RETIRED if retired else Problem.INVALID)
    return raw
