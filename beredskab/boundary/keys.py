"""Secret keys: configured, or generated once as files under the data folder and shared by
every process; the link key can be rotated with the old one still accepted for a while.

``KeyStore(directory).load_or_create(name)`` returns the key in ``<directory>/<name>.key``,
making it on first use: 32 random bytes written as hex to a private temporary file (mode
0600) and then hard-linked into place, so the key file appears complete or not at all and two
processes starting at once end up with the same key (the loser of the race reads the
winner's). A key file that others may read, or that does not hold a key, is refused.

A key file holds the current key on its first line; ``rotate`` puts a new key there and keeps
the previous ones below it, each with the moment it retires (``<hex> <ISO time>``), replacing
the file atomically. ``configured_or_stored`` prefers a key from the configuration
(``SecretStr``). ``security.keyring`` turns them into the link signer's keyring, following a
rotated file while running.
``describe_keys`` says, without creating anything, where each key comes from (for `doctor`,
the startup line and `beredskab keys show`).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import logging
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import SecretStr

from beredskab.errors import ConfigError

if TYPE_CHECKING:
    from beredskab.settings import Settings

log = logging.getLogger(__name__)

KEY_BYTES = 32
MIN_CONFIGURED_LENGTH = 32
"""Characters a key given in the configuration must have at least."""
MAX_PREVIOUS = 8
"""Previous keys a key file keeps (retired ones are kept to refuse their links plainly)."""
FORGET_AFTER = timedelta(days=30)
"""A previous key retired longer ago than this is dropped from the file at the next rotation."""
MAX_FILE_CHARS = 4096
_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")
LINK = "link"
LOG = "log"

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class PreviousKey:
    """A key replaced by a newer one, accepted until ``retires_at`` and refused after."""

    secret: bytes = field(repr=False)
    retires_at: datetime


@dataclass(frozen=True)
class Keyring:
    """The current key (signs) and the previous ones (verify until they retire)."""

    current: bytes = field(repr=False)
    previous: tuple[PreviousKey, ...] = ()

    def accepted(self, now: datetime) -> list[bytes]:
        """Keys that verify at ``now``: the current one first."""
        return [self.current, *(k.secret for k in self.previous if now < k.retires_at)]

    def retired(self, now: datetime) -> list[PreviousKey]:
        """Previous keys that no longer verify at ``now``."""
        return [k for k in self.previous if now >= k.retires_at]


@dataclass(frozen=True)
class StoredKey:
    """A key read from (or just written to) its file."""

    secret: bytes = field(repr=False)
    path: Path
    created: bool
    previous: tuple[PreviousKey, ...] = ()

    @property
    def ring(self) -> Keyring:
        """The key and its predecessors."""
        return Keyring(self.secret, self.previous)


class KeyStore:
    """Key files in one private folder (``<data_dir>/keys``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, name: str) -> Path:
        """Where the key called ``name`` lives."""
        if not _NAME.fullmatch(name):
            raise ValueError(f"bad key name {name!r}")
        return self.directory / f"{name}.key"

    def load(self, name: str) -> StoredKey:
        """The stored key called ``name``; FileNotFoundError when there is none."""
        path = self.path(name)
        current, previous = _read(path)
        return StoredKey(current, path, created=False, previous=previous)

    def load_or_create(self, name: str) -> StoredKey:
        """The key called ``name``; created (atomically, race-safe) if there is none yet."""
        path = self.path(name)
        try:
            return self.load(name)
        except FileNotFoundError:
            pass
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        secret = secrets.token_bytes(KEY_BYTES)
        temporary = self._write_temporary(name, _format(secret, ()))
        try:
            try:
                os.link(temporary, path)  # fails if another process got there first
            except FileExistsError:
                return self.load(name)
            _sync_directory(self.directory)
        finally:
            os.unlink(temporary)
        return StoredKey(secret, path, created=True)

    def rotate(
        self, name: str, *, keep: timedelta, now: datetime, retire_all: bool = False
    ) -> StoredKey:
        """Make a new current key; the old one is accepted for ``keep`` more. ``retire_all``
        (a key leaked): the old key and every earlier one are refused from ``now`` on.
        Rotations of one key are serialised by a lock file."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        with _locked(self.directory / f".{name}.lock"):
            old = self.load_or_create(name)
            if old.created:  # there was none: the new key is the first
                return old
            kept = tuple(
                PreviousKey(k.secret, min(k.retires_at, now)) if retire_all else k
                for k in old.previous
                if now - k.retires_at < FORGET_AFTER
            )
            retires = now if retire_all else now + keep
            previous = (PreviousKey(old.secret, retires), *kept)[:MAX_PREVIOUS]
            secret = secrets.token_bytes(KEY_BYTES)
            temporary = self._write_temporary(name, _format(secret, previous))
            os.replace(temporary, old.path)  # readers see the old file or the new one
            _sync_directory(self.directory)
        return StoredKey(secret, old.path, created=True, previous=previous)

    def _write_temporary(self, name: str, text: str) -> str:
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:  # mkstemp makes it 0600
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            os.unlink(temporary)
            raise
        return temporary


class _locked:
    """An exclusive ``flock`` on a lock file for the ``with`` block."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = -1

    def __enter__(self) -> None:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *_: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _format(current: bytes, previous: Sequence[PreviousKey]) -> str:
    lines = [current.hex()]
    lines += [f"{k.secret.hex()} {k.retires_at.astimezone(UTC).isoformat()}" for k in previous]
    return "\n".join(lines) + "\n"


def _read(path: Path) -> tuple[bytes, tuple[PreviousKey, ...]]:
    with path.open("r", encoding="ascii", errors="replace") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                "key file {path} can be read by other users; run: chmod 600 {path}", path=path
            )
        lines = handle.read(MAX_FILE_CHARS).split("\n")
    current = _hex_key(lines[0].strip())
    previous = [_previous(line.strip()) for line in lines[1:] if line.strip()]
    if current is None or None in previous:
        raise ConfigError(
            "key file {path} does not hold a key ({size} hex digits expected); restore it "
            "from the backup",
            path=path,
            size=2 * KEY_BYTES,
        )
    return current, tuple(k for k in previous if k is not None)


def _hex_key(text: str) -> bytes | None:
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        return None
    return secret if len(secret) == KEY_BYTES else None


def _previous(line: str) -> PreviousKey | None:
    key, _, when = line.partition(" ")
    secret = _hex_key(key)
    try:
        retires_at = datetime.fromisoformat(when.strip())
    except ValueError:
        return None
    if secret is None or retires_at.tzinfo is None:
        return None
    return PreviousKey(secret, retires_at)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def configured_value(
    configured: SecretStr | None, *, setting: str, min_length: int
) -> bytes | None:
    if configured is None or not configured.get_secret_value():
        return None
    value = configured.get_secret_value()
    if len(value) < min_length:
        raise ConfigError(
            "{setting} is too short: use at least {size} random characters",
            setting=setting,
            size=min_length,
        )
    return value.encode()


def announce_created(stored: StoredKey, setting: str) -> None:
    if stored.created:
        log.warning(
            "%s is not set: generated a new key in %s. Back this file up with the database; "
            "without it, what the key protects cannot be checked",
            setting,
            stored.path,
        )


def configured_or_stored(
    configured: SecretStr | None,
    *,
    store: KeyStore,
    name: str,
    setting: str,
    min_length: int = MIN_CONFIGURED_LENGTH,
) -> bytes:
    """The key from the configuration if set (at least ``min_length`` characters), else the
    stored one (made and announced with a warning the first time: it must be backed up)."""
    value = configured_value(configured, setting=setting, min_length=min_length)
    if value is not None:
        return value
    stored = store.load_or_create(name)
    announce_created(stored, setting)
    return stored.secret


def fingerprint(secret: bytes) -> str:
    """A short name for a key that reveals nothing about it: compare it between hosts."""
    return hmac.new(secret, b"beredskab key fingerprint", hashlib.sha256).hexdigest()[:12]


KeyState = Literal["configured", "generated", "missing", "invalid"]


@dataclass(frozen=True)
class KeyInfo:
    """Where one key comes from, for `doctor`, the startup line and `keys show`."""

    name: str
    """``link`` or ``log``."""
    setting: str
    state: KeyState
    """configured (in the settings), generated (a file under data_dir), missing (no file
    yet: the first process makes one) or invalid (``problem`` says why)."""
    path: Path | None
    fingerprint: str | None = None
    previous: tuple[PreviousKey, ...] = ()
    problem: str | None = None


def describe_keys(settings: Settings) -> list[KeyInfo]:
    """Where each key the service signs or MACs with comes from; creates and changes nothing."""
    security, store = settings.security, KeyStore(settings.service.data_dir / "keys")
    wanted: list[tuple[str, str, SecretStr | None]] = [
        (LINK, "[security] link_secret", security.link_secret),
        (LOG, "[security] log_key", security.log_key),
    ]
    found: list[KeyInfo] = []
    for name, setting, configured in wanted:
        path = store.path(name)
        if configured is not None and configured.get_secret_value():
            value = configured.get_secret_value().encode()
            previous: tuple[PreviousKey, ...] = ()
            if (
                name == LINK
                and security.link_secret_previous
                and security.link_secret_previous_until
            ):
                previous = (
                    PreviousKey(
                        security.link_secret_previous.get_secret_value().encode(),
                        security.link_secret_previous_until,
                    ),
                )
            found.append(KeyInfo(name, setting, "configured", None, fingerprint(value), previous))
            continue
        try:
            stored = store.load(name)
        except FileNotFoundError:
            found.append(KeyInfo(name, setting, "missing", path))
        except (OSError, ConfigError) as error:
            found.append(KeyInfo(name, setting, "invalid", path, problem=str(error)))
        else:
            found.append(
                KeyInfo(
                    name, setting, "generated", path, fingerprint(stored.secret), stored.previous
                )
            )
    return found


def unshared_keys(settings: Settings) -> list[KeyInfo]:
    """Keys a second instance on another host would not have: on PostgreSQL (which several
    hosts can share), the keys that are generated files or not made yet, not configured.
    `doctor` warns about each: set it in every host's secrets, or copy ``<data_dir>/keys``."""
    if not settings.database_url.startswith("postgresql"):
        return []
    return [k for k in describe_keys(settings) if k.state in ("generated", "missing")]
