"""Tables of delivery and inbound: the outbox's rows (deliveries) and their indexes, the inbox of
provider events, and the derived action tokens and their uses."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    literal,
)

from beredskab.storage.tables.meta import metadata
from beredskab.storage.types import UTCDateTime

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=True),
    Column("person_id", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("address", String(320), nullable=False),
    Column("template", String(64), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("text", Text, nullable=False),
    Column("short_text", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("lease_until", UTCDateTime(), nullable=True),
    Column("lease_owner", String(64), nullable=True),
    Column("provider_id", String(128), nullable=True),
    Column("error", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # One notification = one message to one person, possibly on several channels.
    Column("notification", String(64), nullable=False, server_default=""),
    # "all": sent on every channel at once; "fallback": one channel, the next on failure.
    Column("policy", String(16), nullable=False, server_default="all"),
    # Channels still to try, "kind address" per line, first next.
    Column("alternates", Text, nullable=False, server_default=""),
    # Set once this row has handed over to the next channel.
    Column("fell_back", Boolean, nullable=False, server_default="0"),
    # Replies the recipient may give with buttons (Telegram): space-separated, e.g. "ack decline".
    Column("actions", String(64), nullable=False, server_default=""),
    Column("language", String(8), nullable=False, server_default="da"),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
    Index("ix_deliveries_channel_due", "channel", "status", "next_attempt_at"),
    Index("ix_deliveries_provider", "provider_id"),
    Index("ix_deliveries_incident", "incident_id", "person_id"),
    Index("ix_deliveries_notification", "notification", "id"),
)

action_tokens = Table(
    "action_tokens",
    metadata,
    Column("token", String(32), primary_key=True),
    # Null for buttons the Telegram bot shows itself (task and step buttons, confirmations).
    Column("delivery_id", Integer, ForeignKey("deliveries.id"), nullable=True),
    Column("incident_id", Integer, nullable=True),
    Column("person_id", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("label", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime(), nullable=True),
    Index("ix_action_tokens_delivery", "delivery_id"),
)

inbound = Table(
    "inbound",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # Where it came from: twilio-sms, twilio-status, twilio-voice, telegram.
    Column("source", String(32), nullable=False),
    # The provider's own id (MessageSid, CallSid + digits, update_id): replays are ignored.
    Column("provider_id", String(128), nullable=False),
    Column("payload", Text, nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("processed_at", UTCDateTime(), nullable=True),
    Column("outcome", Text, nullable=True),
    UniqueConstraint("source", "provider_id", name="uq_inbound_provider"),
    Index("ix_inbound_pending", "processed_at"),
)
Index("ix_deliveries_address", deliveries.c.address, deliveries.c.channel, deliveries.c.id)
"""What an "OK" from a number answers: the newest SMS to that address (migration 0016)."""
FALLBACK_PENDING = and_(
    deliveries.c.policy == literal("fallback", literal_execute=True),
    deliveries.c.fell_back.is_(False),
    deliveries.c.alternates != literal("", literal_execute=True),
)
"""The rows the fallback loop may still hand over (before their status and channel), with
the values written out: SQLite uses a partial index only for a query whose WHERE contains its
terms as they are (a ``?`` parameter does not match them)."""
Index("ix_deliveries_fallback", deliveries.c.status, deliveries.c.channel, deliveries.c.created_at)
"""The fallback loop's oldest candidate per (status, channel): one index seek each, whatever
else the table holds (``delivery_lookups.next_fallback``). Partial, ``WHERE`` the terms of
``FALLBACK_PENDING`` (migration 0030; the condition is the migration's, as below)."""
Index("ix_inbound_unprocessed", inbound.c.id)
"""The inbox's unprocessed events, oldest first: partial, ``WHERE processed_at IS NULL``
(migration 0016). A partial index's condition is the migration's alone: given here as
``postgresql_where`` it would load SQLAlchemy's PostgreSQL dialect into every process, also on
SQLite (5 % of `beredskab status`); Alembic's comparison does not read it."""
action_uses = Table(
    "action_uses",
    metadata,
    # One use of a derived action token (beredskab.boundary.action_tokens): the button or
    # link of ``action`` on a delivery. The key makes a link's second use fail; derived tokens
    # themselves are never stored.
    Column("delivery_id", Integer, ForeignKey("deliveries.id"), primary_key=True),
    Column("action", String(16), primary_key=True),
    Column("used_at", UTCDateTime(), nullable=False),
)
