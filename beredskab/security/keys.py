"""Secret keys kept as files under the data folder, created once and shared by every process.

``KeyStore(directory).load_or_create(name)`` returns the key in ``<directory>/<name>.key``,
making it on first use: 32 random bytes written as hex to a private temporary file (mode
0600) and then hard-linked into place, so the key file appears complete or not at all and two
processes starting at once end up with the same key (the loser of the race reads the
winner's). A key file that others may read, or that does not hold a key, is refused.
``configured_or_stored`` prefers a key from the configuration (``SecretStr``).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from beredskab.errors import ConfigError

log = logging.getLogger(__name__)

KEY_BYTES = 32
MIN_CONFIGURED_LENGTH = 32
"""Characters a key given in the configuration must have at least."""
_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")


@dataclass(frozen=True)
class StoredKey:
    """A key read from (or just written to) its file."""

    secret: bytes = field(repr=False)
    path: Path
    created: bool


class KeyStore:
    """Key files in one private folder (``<data_dir>/keys``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, name: str) -> Path:
        """Where the key called ``name`` lives."""
        if not _NAME.fullmatch(name):
            raise ValueError(f"bad key name {name!r}")
        return self.directory / f"{name}.key"

    def load_or_create(self, name: str) -> StoredKey:
        """The key called ``name``; created (atomically, race-safe) if there is none yet."""
        path = self.path(name)
        try:
            return StoredKey(_read(path), path, created=False)
        except FileNotFoundError:
            pass
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        secret = secrets.token_bytes(KEY_BYTES)
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:  # mkstemp makes it 0600
                handle.write(secret.hex() + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, path)  # fails if another process got there first
            except FileExistsError:
                return StoredKey(_read(path), path, created=False)
            _sync_directory(self.directory)
        finally:
            os.unlink(temporary)
        return StoredKey(secret, path, created=True)


def _read(path: Path) -> bytes:
    with path.open("r", encoding="ascii", errors="replace") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                "key file {path} can be read by other users; run: chmod 600 {path}", path=path
            )
        text = handle.read(4 * KEY_BYTES).strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) != KEY_BYTES:
        raise ConfigError(
            "key file {path} does not hold a key ({size} hex digits expected); restore it "
            "from the backup",
            path=path,
            size=2 * KEY_BYTES,
        )
    return secret


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
    if configured is not None and configured.get_secret_value():
        value = configured.get_secret_value()
        if len(value) < min_length:
            raise ConfigError(
                "{setting} is too short: use at least {size} random characters",
                setting=setting,
                size=min_length,
            )
        return value.encode()
    stored = store.load_or_create(name)
    if stored.created:
        log.warning(
            "%s is not set: generated a new key in %s. Back this file up with the database; "
            "without it, what the key protects cannot be checked",
            setting,
            stored.path,
        )
    return stored.secret
