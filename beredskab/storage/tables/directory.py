"""Tables of the directory kept by the secretariat: its revisions, per-entry changes and previewed
imports."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from beredskab.storage.tables.meta import metadata
from beredskab.storage.types import UTCDateTime

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
