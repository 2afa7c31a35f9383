"""Tables of who may do what: the audit trail, PINs and their lockouts, web sign-in codes and
sessions, API tokens, and linked Telegram chats and their dialogues."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from beredskab.storage.tables.meta import metadata
from beredskab.storage.types import UTCDateTime

AUDIT_ACTOR_LENGTH = 64
AUDIT_ACTION_LENGTH = 64
AUDIT_CHANNEL_LENGTH = 32
AUDIT_DETAIL_LENGTH = 1000
"""Longest ``detail`` the audit code writes (the column is TEXT; the bound is ours)."""

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(AUDIT_ACTOR_LENGTH), nullable=False),
    Column("action", String(AUDIT_ACTION_LENGTH), nullable=False),
    Column("channel", String(AUDIT_CHANNEL_LENGTH), nullable=False),
    Column("incident_id", Integer, nullable=True),
    Column("allowed", Boolean, nullable=False),
    Column("detail", Text, nullable=False),
    # Refusals from unauthenticated sources are counted, not repeated: one row per source,
    # action, channel and minute (``bucket`` is a hash of those; NULL for ordinary rows).
    Column("count", Integer, nullable=False, server_default="1"),
    Column("bucket", String(64), nullable=True),
    UniqueConstraint("bucket", name="uq_audit_bucket"),
)

telegram_links = Table(
    "telegram_links",
    metadata,
    Column("person_id", String(64), primary_key=True),
    Column("user_id", BigInteger, nullable=False, unique=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("linked_at", UTCDateTime(), nullable=False),
)

telegram_dialogues = Table(
    "telegram_dialogues",
    metadata,
    # aiogram's storage key (bot, chat, user, thread, destiny): where a bot dialogue stands.
    Column("key", String(128), primary_key=True),
    Column("state", String(128), nullable=True),
    Column("data", Text, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

pins = Table(
    "pins",
    metadata,
    Column("person_id", String(64), primary_key=True),
    Column("hash", Text, nullable=False),
    Column("set_at", UTCDateTime(), nullable=False),
)

pin_failures = Table(
    "pin_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("phone", String(32), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_pin_failures_phone", "phone", "at"),
)

pin_lockouts = Table(
    "pin_lockouts",
    metadata,
    Column("phone", String(32), primary_key=True),
    Column("until", UTCDateTime(), nullable=False),
    # How many lockouts in a row: the next lasts 15 minutes × 2^level, at most 24 hours.
    Column("level", Integer, nullable=False),
)

web_codes = Table(
    "web_codes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_id", String(64), nullable=False),
    Column("code_hash", String(128), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime(), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # Throttling that cannot lock a person out: who asked (client address) for what (an HMAC
    # of the identifier, known or not). A code for nobody (unknown identifier, budget spent)
    # has person_id "" and a hash that matches no code: it answers exactly like a real one.
    Column("client", String(64), nullable=False, server_default=""),
    Column("subject", String(64), nullable=False, server_default=""),
    Index("ix_web_codes_person", "person_id", "created_at"),
    Index("ix_web_codes_client", "client", "created_at"),
    Index("ix_web_codes_subject", "subject", "client", "created_at"),
    Index("ix_web_codes_created", "created_at"),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    # SHA-256 (hex) of the cookie's secret: the cookie itself is never stored.
    Column("id", String(64), primary_key=True),
    Column("person_id", String(64), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("language", String(2), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime(), nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    # The first characters of the token, shown in listings so an operator can tell them apart.
    Column("prefix", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    # Every API call acts as this directory person: roles decide what the token may do.
    Column("person_id", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_used_at", UTCDateTime(), nullable=True),
    Column("revoked_at", UTCDateTime(), nullable=True),
)
