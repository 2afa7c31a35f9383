"""The configured database: one place that turns the settings into a ``Database``.

``App.build`` opens it this way, and so do commands that only read the database and need
neither the plan nor the rest of the app (`beredskab status`), so they start at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from beredskab.boundary.keys import KeyStore, configured_or_stored
from beredskab.storage.db import Clock, Database

if TYPE_CHECKING:
    from beredskab.settings import Settings


def open_database(settings: Settings, *, clock: Clock | None = None) -> Database:
    """The database named in the settings, with its password, busy timeout and the
    situation log's chain key (configured, or stored under the data folder)."""
    password = settings.database.password
    return Database(
        settings.database_url,
        password=password.get_secret_value() if password else None,
        clock=clock,
        busy_timeout=settings.database.busy_timeout_seconds,
        log_key=configured_or_stored(  # the situation log's chain key (README: Tamper evidence)
            settings.security.log_key,
            store=KeyStore(settings.service.data_dir / "keys"),
            name="log",
            setting="[security] log_key",
        ),
    )
