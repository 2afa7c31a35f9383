"""Which service answers at a URL: an id derived from the situation log's chain key.

Every process on one database shares that key (configured, or stored under the data folder),
so `serve`, each CLI command and a second instance on PostgreSQL compute the same id, and a
service on another database (or with another key) a different one. The id is an HMAC of a
fixed text, so it tells nothing about the key.
"""

from __future__ import annotations

import hashlib
import hmac

_LABEL = b"beredskab service id"
ID_BYTES = 12


def service_id(log_key: bytes) -> str:
    """The service's public id (24 hex digits) for its log key."""
    return hmac.new(log_key, _LABEL, hashlib.sha256).digest()[:ID_BYTES].hex()
