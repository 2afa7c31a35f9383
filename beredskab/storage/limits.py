"""The schema's limits, for bounding input before it reaches the database.

Column lengths are read from the table definitions, so a bound and its column cannot drift
apart. Integer columns are PostgreSQL ``INTEGER`` (32 bits); SQLite would take 64 bits, so
the narrower bound is the one that holds on both.
"""

from __future__ import annotations

from sqlalchemy import String

from beredskab.storage import tables

MAX_INTEGER = 2**31 - 1
"""The largest value an ``Integer`` column (and so every row id) holds on PostgreSQL."""


def column_length(table: str, column: str) -> int:
    """The declared length of the string column ``table.column``."""
    kind = tables.metadata.tables[table].c[column].type
    if not isinstance(kind, String) or kind.length is None:
        raise ValueError(f"{table}.{column} is not a string column with a length")
    return kind.length
