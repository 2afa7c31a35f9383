"""Exporting the directory in use: today's TOML format (``directory import`` reads it back)
or a CSV sheet of people with the columns the spreadsheet import reads."""

from __future__ import annotations

import csv
import io
from typing import Literal

from beredskab.catalog.texts import Texts
from beredskab.directory.document import contacts_of, to_toml
from beredskab.directory.import_csv import COLUMNS
from contacts.models import DirectoryFile

Format = Literal["toml", "csv"]
texts = Texts("directory")


def header() -> str:
    """The exported file's comment: what it is in Danish and English, how to import it."""
    title = f"{texts('export.title', 'da')} / {texts('export.title', 'en')}."
    return f"{title}\n{texts('export.again', 'en')}"


def export(data: DirectoryFile, fmt: Format) -> str:
    """The directory as TOML or CSV text."""
    if fmt == "toml":
        return to_toml(data, header=header())
    return to_csv(data)


def to_csv(data: DirectoryFile) -> str:
    """One row per person; lists joined with ", "."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for person in data.people:
        values = {
            "id": person.id,
            "name": person.name,
            "title": person.title,
            "organisation": person.organisation,
            "phone": person.phone or "",
            "email": person.email or "",
            "language": person.language if "language" in person.model_fields_set else "",
            "deputy": person.deputy or "",
            "roles": ", ".join(person.roles),
            "zones": ", ".join(str(z) for z in person.zones),
            "contacts": ", ".join(contacts_of(data.assignments, person.id)),
        }
        writer.writerow([_safe(values[c]) for c in COLUMNS])
    return out.getvalue()


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection); "+45…" is a phone."""
    if value[:1] in ("=", "@", "-") or (value[:1] == "+" and not value[1:].isdigit()):
        return "'" + value
    return value
