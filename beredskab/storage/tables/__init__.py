"""Table definitions (SQLAlchemy Core), one module per concern. The Alembic migrations are the
schema's source of truth; these mirror them for queries. Import tables from here."""

from __future__ import annotations

from beredskab.storage.tables.communications import (
    communication_audiences,
    communication_variants,
    communications,
    notices,
    resident_signups,
    residents,
)
from beredskab.storage.tables.delivery import (
    FALLBACK_PENDING,
    action_tokens,
    action_uses,
    deliveries,
    inbound,
)
from beredskab.storage.tables.directory import (
    directory_changes,
    directory_imports,
    directory_revisions,
)
from beredskab.storage.tables.incident import (
    confirmations,
    fanouts,
    incident_purges,
    incidents,
    log_entries,
    log_erasures,
    log_seals,
    picture_revisions,
    picture_sections,
    steps,
    tasks,
    timers,
)
from beredskab.storage.tables.meta import metadata
from beredskab.storage.tables.security import (
    AUDIT_ACTION_LENGTH,
    AUDIT_ACTOR_LENGTH,
    AUDIT_CHANNEL_LENGTH,
    AUDIT_DETAIL_LENGTH,
    api_tokens,
    audit,
    pin_failures,
    pin_lockouts,
    pins,
    telegram_dialogues,
    telegram_links,
    web_codes,
    web_sessions,
)

__all__ = [
    "AUDIT_ACTION_LENGTH",
    "AUDIT_ACTOR_LENGTH",
    "AUDIT_CHANNEL_LENGTH",
    "AUDIT_DETAIL_LENGTH",
    "FALLBACK_PENDING",
    "action_tokens",
    "action_uses",
    "api_tokens",
    "audit",
    "communication_audiences",
    "communication_variants",
    "communications",
    "confirmations",
    "deliveries",
    "directory_changes",
    "directory_imports",
    "directory_revisions",
    "fanouts",
    "inbound",
    "incident_purges",
    "incidents",
    "log_entries",
    "log_erasures",
    "log_seals",
    "metadata",
    "notices",
    "picture_revisions",
    "picture_sections",
    "pin_failures",
    "pin_lockouts",
    "pins",
    "resident_signups",
    "residents",
    "steps",
    "tasks",
    "telegram_dialogues",
    "telegram_links",
    "timers",
    "web_codes",
    "web_sessions",
]
