"""Debian's Chromium for the browser tests: where it is, how to start it, how to install it.

Playwright never downloads a browser here (``playwright install`` is not used): it drives the
Chromium that Debian's ``chromium`` package installs, through ``executable_path``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REQUIRE_ENV = "BEREDSKAB_REQUIRE_BROWSER"
"""When set (CI), a missing Chromium fails the browser tests instead of skipping them."""
PATH_ENV = "BEREDSKAB_CHROMIUM"
"""An explicit Chromium binary, for machines where it lives elsewhere."""

INSTALL_HINT = "install Debian's Chromium with: sudo apt-get install chromium"

BINARY = Path("/usr/lib/chromium/chromium")
"""The real binary; ``/usr/bin/chromium`` is a launcher script around it."""

LAUNCH_ARGS = [
    "--no-sandbox",  # the tests run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # no calls home: this machine has no network
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def find_chromium() -> Path | None:
    """The Chromium binary to drive, or None when it is not installed."""
    explicit = os.environ.get(PATH_ENV)
    if explicit:
        path = Path(explicit)
        return path if path.is_file() and os.access(path, os.X_OK) else None
    if BINARY.is_file() and os.access(BINARY, os.X_OK):
        return BINARY
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return Path(found) if found else None
