"""Tables of crisis communications and the residents: communications, their language variants and
audiences, public notices, resident subscriptions and pending sign-ups."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from beredskab.storage.tables.meta import metadata
from beredskab.storage.types import UTCDateTime

communications = Table(
    "communications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    # who receives it: audience ids joined by commas, e.g. "residents,press"; a choice longer
    # than 64 characters is kept whole in communication_audiences (migration 0027)
    Column("audience", String(64), nullable=False),
    Column("template", String(64), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("text", Text, nullable=False),
    # draft -> approved -> sent, or discarded
    Column("status", String(16), nullable=False),
    Column("drafted_by", String(64), nullable=False),
    Column("drafted_at", UTCDateTime(), nullable=False),
    Column("approved_by", String(64), nullable=True),
    Column("approved_at", UTCDateTime(), nullable=True),
    Column("sent_at", UTCDateTime(), nullable=True),
    Column("recipients", Integer, nullable=True),
)
notices = Table(
    "notices",
    metadata,
    # The public notice page /info and its Atom feed (beredskab.communications.notices): an
    # approved resident communication published by the leader ("notice", communication_id
    # set, at most once each) or the all-clear of a stand-down ("all_clear"). Only what the
    # public sees is copied here; who published or withdrew it stays internal.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("communication_id", Integer, ForeignKey("communications.id"), nullable=True),
    Column("kind", String(16), nullable=False),
    Column("title", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("published_by", String(64), nullable=False),
    Column("published_at", UTCDateTime(), nullable=False),
    Column("withdrawn_by", String(64), nullable=True),
    Column("withdrawn_at", UTCDateTime(), nullable=True),
    Column("withdrawn_note", String(500), nullable=True),
    UniqueConstraint("communication_id", name="uq_notices_communication"),
    Index("ix_notices_published", "published_at", "id"),
)
communication_variants = Table(
    "communication_variants",
    metadata,
    # A crisis communication in a language other than Danish (migration 0023): the subject
    # and text, and ``source``, the fingerprint of the Danish subject and text it was
    # translated from ("" when it came from an older Danish text).
    Column("communication_id", Integer, ForeignKey("communications.id"), primary_key=True),
    Column("language", String(8), primary_key=True),
    Column("subject", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("source", String(64), nullable=False),
)
residents = Table(
    "residents",
    metadata,
    # One subscription of a resident (not a directory person) to resident messages: nothing
    # else is stored about them. A STOP ends it (``stopped_at``); subscribing again after a
    # STOP is a new row with its own consent, so each consent given stays on record.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("phone", String(32), nullable=False),
    Column("zone", Integer, nullable=False),
    Column("language", String(8), nullable=False),
    Column("consent_version", String(32), nullable=False),
    Column("consented_at", UTCDateTime(), nullable=False),
    Column("subscribed_at", UTCDateTime(), nullable=False),
    Column("stopped_at", UTCDateTime(), nullable=True),
    # how they subscribed: "sms" (TILMELD) or "web" (the sign-up page, number proven by a code)
    Column("channel", String(8), nullable=False),
    Index("ix_residents_active", "zone", "language", "stopped_at"),
)
"""Resident subscriptions (migration 0026)."""
Index("ux_residents_phone_active", residents.c.phone, unique=True)
"""At most one live subscription per number: partial, ``WHERE stopped_at IS NULL`` (migration
0026; the condition is the migration's, as for ``ix_inbound_unprocessed``)."""
resident_signups = Table(
    "resident_signups",
    metadata,
    # A sign-up on the public page waiting for its code (a ``web_codes`` row): deleted when
    # the code is used or with the code.
    Column("code_id", Integer, primary_key=True),
    Column("phone", String(32), nullable=False),
    Column("zone", Integer, nullable=False),
    Column("language", String(8), nullable=False),
    Column("consent_version", String(32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
"""Pending sign-ups of the public page (migration 0026)."""

communication_audiences = Table(
    "communication_audiences",
    metadata,
    # A communication's whole choice of audiences when it does not fit communications.audience
    # (64 characters: all eight ids take 78); that column then holds the ids that fit.
    Column("communication_id", Integer, ForeignKey("communications.id"), primary_key=True),
    Column("audiences", String(200), nullable=False),
)
"""Long choices of audiences (migration 0027)."""
