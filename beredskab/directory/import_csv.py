"""Reading a directory to import: today's TOML file, or a spreadsheet (CSV or XLSX) of people.

A TOML file replaces the whole directory. A spreadsheet is the list of people, one row each
with the columns of ``COLUMNS`` (the header row names them, in any order; only ``id`` and
``name`` are required): people missing from it are removed, a column missing from it keeps
each known person's current value, roles and outreach targets stay as they are, and a
``contacts`` column (the targets a person contacts) replaces the standing assignments.
Problems name the row (``row 5.phone``), counting the header as row 1.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import tomli

from beredskab.directory import document
from beredskab.directory.document import person_records
from beredskab.directory.edit import FIELDS, record
from contacts.loader import toml_problem
from contacts.models import DirectoryFile

COLUMNS = ("id", *FIELDS, "roles", "zones", "contacts")
"""The spreadsheet columns, in the order the export writes them."""
REQUIRED = ("id", "name")
MAX_ROWS = 100_000
"""More people than any directory has: a bigger sheet is refused, not read."""
FORMATS = ("toml", "csv", "xlsx")
_ROW = re.compile(r"^people\[(\d+)\]")


@dataclass
class Read:
    """A file read for import: the proposed document (None if unreadable), the problems
    found while reading, and how a problem's key becomes a row."""

    document: dict[str, Any] | None
    problems: list[str] = field(default_factory=list)
    where: Callable[[str], str] | None = None


def kind_of(name: str) -> str | None:
    """The format named by a file's suffix: toml, csv or xlsx (None for another)."""
    suffix = PurePath(name).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


def read(name: str, content: bytes, current: DirectoryFile) -> Read:
    """Read ``content`` (a file called ``name``) as a proposed directory."""
    kind = kind_of(name)
    if kind == "toml":
        return _toml(name, content)
    if kind is None:
        return Read(None, [f"{name}: (file): is not a .toml, .csv or .xlsx file"])
    try:
        rows = list(_csv_rows(content) if kind == "csv" else _xlsx_rows(content))
    except ValueError as exc:
        return Read(None, [f"{name}: (file): cannot be read as {kind.upper()}: {exc}"])
    return _people(name, rows, current)


def _toml(name: str, content: bytes) -> Read:
    try:
        data = tomli.loads(content.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return Read(None, [f"{name}: byte {exc.start}: is not valid UTF-8"])
    except tomli.TOMLDecodeError as exc:
        return Read(None, [str(toml_problem(name, exc))])
    return Read(data)


def _csv_rows(content: bytes) -> Iterable[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"byte {exc.start} is not UTF-8; save the sheet as CSV UTF-8") from exc
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # the header names columns: no quoting needed
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise ValueError(str(exc)) from exc


def _xlsx_rows(content: bytes) -> Iterable[list[str]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValueError("not an Excel workbook (.xlsx)") from exc
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell(v) for v in values]
    finally:
        book.close()


def _cell(value: object) -> str:
    """A cell as text: a whole number without ``.0`` (a phone typed as a number)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _people(name: str, rows: list[list[str]], current: DirectoryFile) -> Read:
    numbered = [(n, r) for n, r in enumerate(rows, start=1) if any(c.strip() for c in r)]
    if not numbered:
        return Read(None, [f"{name}: row 1: the sheet is empty; the first row names the columns"])
    if len(numbered) > MAX_ROWS + 1:
        return Read(None, [f"{name}: (file): more than {MAX_ROWS} rows"])
    first, head = numbered[0]
    header = [h.strip().lower() for h in head]
    problems = [
        f"{name}: row {first}: unknown column {h!r} (columns: {', '.join(COLUMNS)})"
        for h in header
        if h and h not in COLUMNS
    ]
    problems += [
        f"{name}: row {first}: column {c!r} is missing (required: {', '.join(REQUIRED)})"
        for c in REQUIRED
        if c not in header
    ]
    problems += [
        f"{name}: row {first}: column {h!r} appears twice"
        for h in dict.fromkeys(header)
        if h and header.count(h) > 1
    ]
    if problems:
        return Read(None, problems)
    doc = document.dump(current)
    people: list[dict[str, Any]] = []
    doc["people"] = people
    has_contacts = "contacts" in header
    assignments: list[dict[str, Any]] = [] if has_contacts else doc.get("assignments", [])
    doc["assignments"] = assignments
    line_of: list[int] = []
    records = person_records(current)
    for number, row in numbered[1:]:
        cells = {h: _unquote(row[i]) if i < len(row) else "" for i, h in enumerate(header) if h}
        entry = record(
            person_id=cells.get("id", ""),
            fields=cells,
            roles=_split(cells.get("roles", "")),
            zones=cells.get("zones", ""),
            contacts=_split(cells.get("contacts", "")) if has_contacts else None,
        )
        known = records.get(entry["id"], {})
        kept = {k: v for k, v in known.items() if k not in header and k != "contacts"}
        contacts = entry.pop("contacts", None)
        people.append({"id": entry["id"], **kept, **entry})
        if contacts:
            assignments.append({"staff": entry["id"], "targets": contacts})
        line_of.append(number)

    def where(key: str) -> str:
        match = _ROW.match(key)
        if match is None or int(match.group(1)) >= len(line_of):
            return key
        return f"row {line_of[int(match.group(1))]}" + key[match.end() :]

    return Read(doc, [], where)


def _unquote(cell: str) -> str:
    """A cell without the apostrophe the export puts before a would-be formula."""
    cell = cell.strip()
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "@", "-", "+") else cell


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;]", text) if part.strip()]
