"""Table definitions (SQLAlchemy Core). The Alembic migrations are the schema's source of truth;
these mirror them for queries."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    literal,
)

from beredskab.storage.types import UTCDateTime

metadata = MetaData()

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("playbook_id", String(64), nullable=False),
    Column("playbook_name", String(200), nullable=False),
    Column("plan_version", String(64), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("zone", Integer, nullable=True),
    Column("police_case", String(64), nullable=True),
    Column("drill", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    # While open: playbook_id for a real incident, "<playbook_id>:drill" for a drill; NULL once
    # closed. The unique index guarantees at most one open real incident and one open drill
    # per playbook on every backend.
    Column("open_key", String(64), nullable=True, unique=True),
    Column("activated_by", String(64), nullable=False),
    Column("activated_via", String(32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("closed_at", UTCDateTime(), nullable=True),
    Column("closed_by", String(64), nullable=True),
)

confirmations = Table(
    "confirmations",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("reason", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("via", String(32), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
    # Playbooks whose activation request this person got, space-separated (upgrade 1 → 2
    # asks group-2 participants not yet asked for group 2).
    Column("asked_for", String(200), nullable=False, server_default=""),
    # Escalation moments (0015): when the sweep sends the alert again to a person still
    # pending, and when it asks their deputy; each cleared once done. Null on rows asked
    # before 0015, whose per-person "renotify" / "deputy" timers still fire.
    Column("renotify_at", UTCDateTime(), nullable=True),
    Column("deputy_at", UTCDateTime(), nullable=True),
)

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
)

steps = Table(
    "steps",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("step_id", String(64), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("owner_role", String(64), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("actions_done", Boolean, nullable=False),
    Column("finished_by", String(64), nullable=True),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("note", Text, nullable=True),
)

tasks = Table(
    "tasks",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("assignee", String(64), nullable=False),
    Column("target_id", String(64), nullable=True),
    Column("target_name", String(200), nullable=True),
    Column("group_id", String(64), nullable=True),
    Column("zone", Integer, nullable=True),
    Column("status", String(16), nullable=False),
    Column("outcome", Text, nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("text", Text, nullable=True),
    Column("due_at", UTCDateTime(), nullable=True),
    Column("created_by", String(64), nullable=True),
    Column("declined_by", Text, nullable=True),
    UniqueConstraint("incident_id", "target_id", "assignee", name="uq_tasks_target"),
)

log_entries = Table(
    "log_entries",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("sensitive", Boolean, nullable=False),
    Column("corrects", Integer, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("scheme", String(16), nullable=False, server_default="sha256"),
)

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

timers = Table(
    "timers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # sweep (escalation of unconfirmed people, one open per incident), report-missing, renotify
    # and deputy (per person, before 0015), step-due, step-overdue, task-due, task-overdue
    Column("kind", String(32), nullable=False),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("person_id", String(64), nullable=True),
    Column("ref", Integer, nullable=True),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("fired_at", UTCDateTime(), nullable=True),
    Column("outcome", Text, nullable=True),
    Index("ix_timers_due", "fired_at", "due_at"),
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

# The situation picture: one row per revision (the version is per incident, 1, 2, ...; the
# key makes a concurrent save of the same version fail instead of forking), and the headings
# that revision changed with their text and sensitive flag.
picture_revisions = Table(
    "picture_revisions",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("author", String(64), nullable=False),
    Column("via", String(32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("log_seq", Integer, nullable=False),
)

picture_sections = Table(
    "picture_sections",
    metadata,
    Column("incident_id", Integer, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("heading", String(200), primary_key=True),
    Column("text", Text, nullable=False),
    Column("sensitive", Boolean, nullable=False),
    ForeignKeyConstraint(
        ["incident_id", "version"],
        ["picture_revisions.incident_id", "picture_revisions.version"],
    ),
)

log_seals = Table(
    "log_seals",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("entries", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
    Column("mac", String(64), nullable=False),
    Column("sealed_at", UTCDateTime(), nullable=False),
)
"""Keyed seals over the unkeyed log entries written before migration 0012 (one per incident)."""

# A large send in progress (``beredskab.incident.fanout``): the recipients in order, one id
# per line, and how far it got. Each chunk queues its messages and moves ``done`` in one
# transaction, so a crash between chunks resumes here and queues nobody twice.
fanouts = Table(
    "fanouts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    # what a chunk does: "activation" (ask a playbook's participants to confirm)
    Column("kind", String(32), nullable=False),
    Column("playbook_id", String(64), nullable=False),
    # the template of the messages (a resident send: its communication's template)
    Column("template", String(32), nullable=False),
    # the communication a resident send ("residents") sends (migration 0030); else None
    Column("communication_id", Integer, ForeignKey("communications.id"), nullable=True),
    Column("recipients", Text, nullable=False),
    Column("total", Integer, nullable=False),
    # recipients handled (the first ``done`` lines), those newly reached, their messages
    Column("done", Integer, nullable=False),
    Column("reached", Integer, nullable=False),
    Column("messages", Integer, nullable=False),
    Column("chunks", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
    # "done", or why it stopped early (the incident closed, the playbook left the plan)
    Column("outcome", String(200), nullable=True),
    Index("ix_fanouts_open", "finished_at"),
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
directory_revisions = Table(
    "directory_revisions",
    metadata,
    # The contact directory kept in the database (beredskab.directory, migration 0028): one
    # row per revision holding the whole validated directory as JSON (the TOML file's shape,
    # phones in E.164). The newest revision is the directory in use; none at all means the
    # configured TOML file is used. ``number`` is the previous head + 1: two writers racing
    # for the same number collide on the primary key, so no change is lost.
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("source", String(200), nullable=False),
    Column("summary", String(500), nullable=False),
    Column("document", Text, nullable=False),
)
"""Revisions of the directory (migration 0028)."""
directory_changes = Table(
    "directory_changes",
    metadata,
    # What one revision changed, one row per person, role or outreach target added, changed or
    # removed, with the entry before and after as JSON (NULL when absent): the history of a
    # person is their rows in order.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("revision", Integer, ForeignKey("directory_revisions.number"), nullable=False),
    Column("subject", String(16), nullable=False),
    Column("subject_id", String(64), nullable=False),
    Column("action", String(8), nullable=False),
    Column("before", Text, nullable=True),
    Column("after", Text, nullable=True),
    Index("ix_directory_changes_subject", "subject", "subject_id", "revision"),
)
"""Per-entry changes of each directory revision (migration 0028)."""
directory_imports = Table(
    "directory_imports",
    metadata,
    # An import read and previewed but not yet confirmed (web): the whole proposed directory
    # as JSON and the revision it was compared with; applied at most once, and only while
    # that revision is still the newest.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("base", Integer, nullable=True),
    Column("source", String(200), nullable=False),
    Column("document", Text, nullable=False),
    Column("applied_revision", Integer, nullable=True),
)
"""Previewed directory imports awaiting confirmation (migration 0028)."""

communication_audiences = Table(
    "communication_audiences",
    metadata,
    # A communication's whole choice of audiences when it does not fit communications.audience
    # (64 characters: all eight ids take 78); that column then holds the ids that fit.
    Column("communication_id", Integer, ForeignKey("communications.id"), primary_key=True),
    Column("audiences", String(200), nullable=False),
)
"""Long choices of audiences (migration 0027)."""

incident_purges = Table(
    "incident_purges",
    metadata,
    # A closed incident deleted under the retention rule: what is left of it, so `log verify`
    # can say where it went. While a row exists, the incident's log entries may be deleted
    # (the append-only trigger checks this table; migration 0029).
    Column("incident_id", Integer, primary_key=True),
    Column("closed_at", UTCDateTime(), nullable=True),
    Column("purged_at", UTCDateTime(), nullable=False),
    Column("reason", String(32), nullable=False),
)
"""Incidents removed by retention (migration 0029)."""
log_erasures = Table(
    "log_erasures",
    metadata,
    # A log entry whose actor and text were pseudonymised by `person erase`: the keyed MAC
    # vouches for the new content and the entry's unchanged hash, so the chain still verifies.
    # While a row exists, the entry's actor and text (only) may be updated (migration 0029).
    Column("incident_id", Integer, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("erased_at", UTCDateTime(), nullable=False),
    Column("mac", String(64), nullable=False),
)
"""Pseudonymised log entries (migration 0029)."""
