"""Bulk inserts at the driver level: each distinct value converted once, one statement per
batch, no per-row SQLAlchemy parameter processing.

SQLite: one multi-row ``VALUES`` statement per batch when ids are wanted back (``RETURNING``),
else the driver's ``executemany``. PostgreSQL: one ``INSERT … SELECT * FROM unnest(…)``
statement with one array parameter per column, whatever the number of rows (asyncpg encodes
the arrays; the statement text stays the same, so it is prepared once).

Values go through the column type's own bind processor (``UTCDateTime`` included), so what is
stored is exactly what a SQLAlchemy ``insert()`` would store; a value repeated in many rows
(the transaction's ``now``, a status) is converted once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from sqlalchemy import Dialect, Table
from sqlalchemy.ext.asyncio import AsyncConnection

SQLITE_VARIABLES = 32766
"""Host parameters one SQLite statement may have (SQLITE_MAX_VARIABLE_NUMBER since 3.32)."""
SQLITE_ROWS = 1000
"""Rows per multi-row ``VALUES`` statement on SQLite."""


def _converter(process: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """``process`` memoised per value (None if the type needs no conversion)."""
    if process is None:
        return None
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            out = seen[value] = process(value)
            return out
        except TypeError:  # unhashable: convert every time
            return process(value)

    return convert


@dataclass(frozen=True)
class _Shape:
    """What an insert into some columns of a table needs besides the values, worked out once
    per dialect: the statement's text and each column's bind processor."""

    head: str
    back: str
    one: str
    unnest: str
    processors: tuple[Callable[[Any], Any] | None, ...]


_shapes: dict[tuple[str, str, Table, tuple[str, ...], tuple[str, ...]], _Shape] = {}


def _shape(
    dialect: Dialect, table: Table, columns: tuple[str, ...], returning: tuple[str, ...]
) -> _Shape:
    key = (dialect.name, dialect.driver, table, columns, returning)
    found = _shapes.get(key)
    if found is not None:
        return found
    cols = [table.c[name] for name in columns]
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c.name) for c in cols)
    back = f" RETURNING {', '.join(quote(name) for name in returning)}" if returning else ""
    head = f"INSERT INTO {quote(table.name)} ({names})"
    unnest = ""
    if dialect.name == "postgresql":
        casts = ", ".join(
            f"${i}::{c.type.compile(dialect=dialect)}[]" for i, c in enumerate(cols, start=1)
        )
        unnest = f"{head} SELECT * FROM unnest({casts}){back}"
    found = _shapes[key] = _Shape(
        head=head,
        back=back,
        one="(" + ", ".join("?" for _ in cols) + ")",
        unnest=unnest,
        processors=tuple(c.type.bind_processor(dialect) for c in cols),
    )
    return found


async def insert_many(
    conn: AsyncConnection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (values in the order of ``columns``) in the caller's transaction;
    returns the ``returning`` columns of the inserted rows, in no guaranteed order."""
    if not rows:
        return []
    dialect = conn.dialect
    shape = _shape(dialect, table, tuple(columns), tuple(returning))
    values = list(zip(*rows, strict=True))  # column by column: conversion and arrays in C
    for i, process in enumerate(shape.processors):
        convert = _converter(process)
        if convert is not None:
            values[i] = tuple(map(convert, values[i]))
    head, back = shape.head, shape.back
    if dialect.name == "postgresql":
        arrays = tuple(list(column) for column in values)
        result = await conn.exec_driver_sql(shape.unnest, arrays)
        return [tuple(r) for r in result] if returning else []
    rows = list(zip(*values, strict=True))
    one = shape.one
    if not returning:
        await conn.exec_driver_sql(f"{head} VALUES {one}", rows)
        return []
    per = max(1, min(SQLITE_ROWS, SQLITE_VARIABLES // len(columns)))
    out: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), per):
        batch = rows[start : start + per]
        sql = f"{head} VALUES {', '.join(one for _ in batch)}{back}"
        flat = tuple(chain.from_iterable(batch))
        out.extend(tuple(r) for r in await conn.exec_driver_sql(sql, flat))
    return out
