"""The link key as a keyring that follows its source: the configured ``link_secret`` (with
``link_secret_previous`` until ``link_secret_previous_until``), or the key file under the data
folder, re-read when `beredskab keys rotate` replaces it, so a running `serve` signs with the
new key within ``RELOAD_SECONDS`` and no restart is needed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from beredskab.boundary.keys import (
    LINK,
    MIN_CONFIGURED_LENGTH,
    Keyring,
    KeyStore,
    PreviousKey,
    announce_created,
    configured_value,
)
from beredskab.errors import ConfigError

if TYPE_CHECKING:
    from beredskab.settings import SecuritySettings

log = logging.getLogger(__name__)

RELOAD_SECONDS = 1.0
"""A ``KeyFile`` looks for a rotated file at most this often."""


class KeyFile:
    """A stored keyring that follows its file: a rotation by another process (`beredskab keys
    rotate`) is picked up within ``RELOAD_SECONDS``, without a restart."""

    def __init__(self, store: KeyStore, name: str, *, setting: str) -> None:
        self.store, self.name = store, name
        stored = store.load_or_create(name)
        announce_created(stored, setting)
        self._ring = stored.ring
        self._seen = _identity(stored.path)
        self._checked = time.monotonic()

    def __call__(self) -> Keyring:
        """The keyring, re-read when the file was replaced."""
        now = time.monotonic()
        if now - self._checked >= RELOAD_SECONDS:
            self._checked = now
            path = self.store.path(self.name)
            seen = _identity(path)
            if seen != self._seen:
                try:
                    self._ring = self.store.load(self.name).ring
                    self._seen = seen
                    log.info("key file %s changed: using its new key", path)
                except (OSError, ConfigError) as error:  # keep the keys we have
                    log.warning("key file %s could not be re-read: %s", path, error)
        return self._ring


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_size


KeySource = Callable[[], Keyring]
"""Where a signer gets its keys on each use."""


def link_keyring(
    security: SecuritySettings, *, data_dir: Path, min_length: int = MIN_CONFIGURED_LENGTH
) -> KeySource:
    """The link key: ``[security] link_secret`` (with ``link_secret_previous`` until
    ``link_secret_previous_until``), else ``<data_dir>/keys/link.key`` with its rotations."""
    current = configured_value(
        security.link_secret, setting="[security] link_secret", min_length=min_length
    )
    if current is None:
        if security.link_secret_previous is not None:
            raise ConfigError(
                "{setting} is set but {current} is not: set both, or neither",
                setting="[security] link_secret_previous",
                current="[security] link_secret",
            )
        return KeyFile(KeyStore(data_dir / "keys"), LINK, setting="[security] link_secret")
    previous = configured_value(
        security.link_secret_previous,
        setting="[security] link_secret_previous",
        min_length=min_length,
    )
    until = security.link_secret_previous_until
    if previous is not None and until is None:
        raise ConfigError(
            "{setting} is set without {until}: say until when the previous key is accepted "
            "(the rotation time plus link_hours)",
            setting="[security] link_secret_previous",
            until="[security] link_secret_previous_until",
        )
    ring = Keyring(
        current, (PreviousKey(previous, until),) if previous is not None and until else ()
    )
    return lambda: ring
