"""Tables of incidents and what happens in them: the incident, its participants' confirmations,
steps, tasks, timers, the situation log (entries, seals, erasures), the situation picture, large
sends in progress and purged incidents."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from beredskab.storage.tables.meta import metadata
from beredskab.storage.types import UTCDateTime

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
