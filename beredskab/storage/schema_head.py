"""Is the schema already at the newest migration? Answered without importing Alembic.

Importing Alembic (with Mako and Pygments) is a large part of a CLI command's start, and
nearly always there is nothing to migrate. ``is_current`` reads the revision ids from the
migration files as text and compares them with the database's ``alembic_version``; only a
clear "yes" skips Alembic, anything else (no table, an older, newer or unknown revision, a
file it cannot read) leaves the upgrade to Alembic as before.
"""

from __future__ import annotations

import ast
import re
from importlib.resources import files

from beredskab.storage.async_engine import AsyncEngine
from beredskab.storage.schema_state import revisions

_ASSIGNMENT = re.compile(r"^(down_revision|revision)\s*(?::[^=\n]+)?=\s*(.+)$", re.MULTILINE)


def heads() -> frozenset[str]:
    """The newest revision ids of the bundled migrations (empty if a file cannot be read)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (files("beredskab.storage") / "migrations" / "versions").iterdir():
        if not script.name.endswith(".py") or script.name.startswith("__"):
            continue
        found: dict[str, object] = {}
        for name, value in _ASSIGNMENT.findall(script.read_text(encoding="utf-8")):
            try:
                found.setdefault(name, ast.literal_eval(value.strip()))
            except (ValueError, SyntaxError):
                return frozenset()
        revision, down = found.get("revision"), found.get("down_revision")
        if not isinstance(revision, str):
            return frozenset()
        revisions.add(revision)
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list):
            parents.update(str(d) for d in down)
        elif down is not None:
            return frozenset()
    return frozenset(revisions - parents)


async def is_current(engine: AsyncEngine) -> bool:
    """True when the database is exactly at the bundled migrations' head. It only reads, so
    on SQLite it never waits for another process's write lock (`serve` writing)."""
    expected = heads()
    if len(expected) != 1:
        return False
    return await revisions(engine) == expected
