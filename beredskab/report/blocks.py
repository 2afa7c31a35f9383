"""What the report's renderers lay out, and the words every part of the report shares.

``Row``, ``Table``, ``Paragraph``, ``Section`` and ``ReportData`` are the prepared content
(every value a display string); ``texts`` is the ``report`` catalog domain, and the helpers
give times, durations, the drill mark and column titles in the report's Danish.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

from beredskab.catalog.texts import Texts
from beredskab.i18n import clock

texts = Texts("report")
"""The report's and the plan document's headings, labels and words (Danish; English in the
catalog): ``texts("section.steps")``."""


def local_time(value: datetime | None) -> str:
    """A UTC time as Danish local time, always with the date (a report is read later; see
    ``i18n.clock``), or "-"."""
    if value is None:
        return "-"
    return clock(value, now=None, seconds=True)


def drill_mark() -> str:
    """What follows a drill's title and number: " (ØVELSE)"."""
    return f" ({texts('drill')})"


def columns_of(*keys: str) -> tuple[str, ...]:
    """Column titles by their keys ("col.time", …)."""
    return tuple(texts(key) for key in keys)


def duration(seconds: float) -> str:
    """Seconds as "3 min 05 s"."""
    return texts("duration", minutes=int(seconds // 60), seconds=int(seconds % 60))


@dataclass(frozen=True)
class Row:
    """One table row; a sensitive row is marked (``texts("sensitive")``) by every renderer."""

    cells: tuple[str, ...]
    sensitive: bool = False


@dataclass(frozen=True)
class Table:
    """A table with Danish column titles; the PDF sizes its columns from the content."""

    kind: ClassVar[str] = "table"
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    empty: str


@dataclass(frozen=True)
class Paragraph:
    """A line of text with an optional bold lead; ``tone`` "ok" or "alert" for a verdict."""

    kind: ClassVar[str] = "paragraph"
    text: str
    lead: str = ""
    tone: Literal["", "ok", "alert"] = ""


@dataclass(frozen=True)
class Section:
    """A titled part of the report; ``key`` is a stable anchor (HTML id)."""

    key: str
    title: str
    blocks: tuple[Table | Paragraph, ...]


@dataclass(frozen=True)
class ReportData:
    """The whole report, ready to lay out."""

    incident_id: int
    title: str
    drill: bool
    fields: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    chain_ok: bool
    generated_at: str
