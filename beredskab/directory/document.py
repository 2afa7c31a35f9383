"""The directory as a document: the TOML file's shape as JSON for the database, and as TOML.

A document keeps only the keys that were given (``exclude_unset``), so a person without a
``language`` still takes ``[service] language`` after a round trip.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from contacts.models import Assignment, DirectoryFile

SECTIONS = ("roles", "people", "targets", "assignments", "addressees")


def dump(data: DirectoryFile) -> dict[str, Any]:
    """The directory as plain data, only the keys given."""
    return data.model_dump(mode="json", exclude_unset=True, exclude_none=True)


def to_json(data: DirectoryFile) -> str:
    """The document as stored: compact JSON, keys in model order."""
    return json.dumps(dump(data), ensure_ascii=False, separators=(",", ":"))


def from_json(text: str) -> dict[str, Any]:
    """A stored document as plain data (validated again by ``contacts.loader``)."""
    data: dict[str, Any] = json.loads(text)
    return data


def clean_entry(model: BaseModel) -> dict[str, Any]:
    """An entry as written, without keys that say nothing (an empty text or list is the same
    as none); ``language`` stays when given, as it overrides ``[service] language``."""
    found = model.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    return {k: v for k, v in found.items() if k == "language" or v not in ("", [])}


def person_record(data: DirectoryFile, person_id: str) -> dict[str, Any] | None:
    """One person as the secretariat sees them: their entry plus ``contacts``, the outreach
    targets they contact (from the standing assignments, in order, once each)."""
    for person in data.people:
        if person.id == person_id:
            record = clean_entry(person)
            contacts = contacts_of(data.assignments, person_id)
            if contacts:
                record["contacts"] = list(contacts)
            return record
    return None


def person_records(data: DirectoryFile) -> dict[str, dict[str, Any]]:
    """``person_record`` of everyone, by id (the first entry of an id), in one pass."""
    contacts: dict[str, dict[str, None]] = {}
    for assignment in data.assignments:
        contacts.setdefault(assignment.staff, {}).update(dict.fromkeys(assignment.targets))
    records: dict[str, dict[str, Any]] = {}
    for person in data.people:
        if person.id in records:
            continue
        record = clean_entry(person)
        if contacts.get(person.id):
            record["contacts"] = list(contacts[person.id])
        records[person.id] = record
    return records


def contacts_of(assignments: tuple[Assignment, ...], person_id: str) -> tuple[str, ...]:
    """The targets a staff member contacts, in assignment order, once each."""
    found: dict[str, None] = {}
    for assignment in assignments:
        if assignment.staff == person_id:
            found.update(dict.fromkeys(assignment.targets))
    return tuple(found)


def to_toml(data: DirectoryFile, *, header: str = "") -> str:
    """The directory as a TOML file in today's format (``directory import`` reads it back)."""
    doc = dump(data)
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    if lines:
        lines.append("")
    for key, value in doc.items():
        if key not in SECTIONS:
            lines.append(f"{key} = {_value(value)}")
    for section in SECTIONS:
        for entry in doc.get(section, ()):
            lines += ["", f"[[{section}]]"]
            lines += [f"{key} = {_value(value)}" for key, value in entry.items()]
    return "\n".join(lines) + "\n"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        # a JSON string is a TOML basic string, except that TOML also escapes DEL
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
