"""Edits of the directory by the secretariat leader: add, change or remove one person.

Every edit is checked for the role first (a refusal is audited), then made on the newest
revision the editor saw (``base``), checked as `plan check` checks the file and stored as a
new revision (``store.commit``). A person's id never changes: incidents, PINs and sign-ins
refer to it; give a new person a new id instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from beredskab.directory import document, store
from beredskab.errors import NotFoundError, Phrase
from beredskab.plan import Plan
from beredskab.security import access
from beredskab.storage import Database

EDITOR_ROLES = ("sekretariatsleder",)
"""Who keeps the directory: the plan makes the secretariat leader responsible for it (§5)."""
FIELDS = ("name", "title", "organisation", "phone", "email", "language", "deputy")
"""The text fields of a person, as the web form and the spreadsheet columns name them."""
_SPLIT = re.compile(r"[,;\s]+")


def require_editor(plan: Plan, actor_id: str, *, channel: str) -> None:
    """Raise ``access.Refusal`` unless the actor may edit the directory."""
    actor = access.person(plan, actor_id)
    access.require_role(
        actor,
        EDITOR_ROLES,
        action="directory.edit",
        channel=channel,
        what=Phrase("edit the contact directory"),
    )


def may_edit(plan: Plan, actor_id: str) -> bool:
    """True if the person may edit the directory."""
    actor = plan.directory.person(actor_id)
    return actor is not None and access.has_role(actor, EDITOR_ROLES)


def split(text: str) -> list[str]:
    """A list written in one field: ids or zones separated by commas, semicolons or spaces."""
    return [part for part in _SPLIT.split(text.strip()) if part]


def record(
    *,
    person_id: str,
    fields: dict[str, str],
    roles: list[str],
    zones: str,
    contacts: list[str] | None,
) -> dict[str, Any]:
    """A person entry as the directory file writes it, from form or spreadsheet values:
    empty fields are left out (a missing language means ``[service] language``)."""
    entry: dict[str, Any] = {"id": person_id.strip()}
    for key in FIELDS:
        value = fields.get(key, "").strip()
        if value:
            entry[key] = value
    if roles:
        entry["roles"] = list(dict.fromkeys(r.strip() for r in roles if r.strip()))
    zone_list = split(zones)
    if zone_list:
        entry["zones"] = [int(z) if z.isdigit() else z for z in zone_list]
    if contacts is not None:
        entry["contacts"] = list(dict.fromkeys(c.strip() for c in contacts if c.strip()))
    return entry


def apply_person(doc: dict[str, Any], entry: dict[str, Any], *, new: bool) -> None:
    """Put one person entry into a directory document (in place): appended when ``new``,
    else replacing the entry with its id; ``contacts`` becomes their standing assignment
    when it differs from the current one."""
    entry = dict(entry)
    contacts = entry.pop("contacts", None)
    person_id = entry["id"]
    people: list[dict[str, Any]] = list(doc.get("people", []))
    if new:
        people.append(entry)
    else:
        at = next((i for i, p in enumerate(people) if p.get("id") == person_id), None)
        if at is None:
            raise NotFoundError(
                "'{person}' is not in the contact directory; use a person id from "
                "`beredskab contacts`",
                person=person_id,
            )
        people[at] = entry
    doc["people"] = people
    if contacts is not None:
        assignments: list[dict[str, Any]] = list(doc.get("assignments", []))
        mine = [t for a in assignments if a.get("staff") == person_id for t in a["targets"]]
        if list(dict.fromkeys(mine)) != contacts:
            kept = [a for a in assignments if a.get("staff") != person_id]
            if contacts:
                kept.append({"staff": person_id, "targets": contacts})
            doc["assignments"] = kept


def drop_person(doc: dict[str, Any], person_id: str) -> None:
    """Remove a person and their own standing assignments from a document (in place);
    references from others stay, so the check names each one."""
    people = [p for p in doc.get("people", []) if p.get("id") != person_id]
    if len(people) == len(doc.get("people", [])):
        raise NotFoundError(
            "'{person}' is not in the contact directory; use a person id from `beredskab contacts`",
            person=person_id,
        )
    doc["people"] = people
    doc["assignments"] = [a for a in doc.get("assignments", []) if a.get("staff") != person_id]


async def save_person(
    *,
    db: Database,
    plan: Plan,
    file: Path | None,
    actor_id: str,
    channel: str,
    base: int | None,
    entry: dict[str, Any],
    new: bool,
) -> store.Committed:
    """Add (``new``) or change one person as the secretariat leader; audited, refused with
    every reason when the plan would become invalid."""
    async with access.audited(db):
        require_editor(plan, actor_id, channel=channel)
    revision, current = await store.current(db, file=file)
    if revision != base:
        raise store.conflict(revision)
    doc = document.dump(current)
    apply_person(doc, entry, new=new)
    return await store.commit(
        db=db,
        playbooks=plan.playbooks,
        proposed=doc,
        base=revision,
        actor=actor_id,
        channel=channel,
        source=("added " if new else "edited ") + str(entry.get("id", "")),
        in_use=current,
    )


async def remove_person(
    *,
    db: Database,
    plan: Plan,
    file: Path | None,
    actor_id: str,
    channel: str,
    base: int | None,
    person_id: str,
) -> store.Committed:
    """Remove one person as the secretariat leader; refused with every reason when someone
    or a playbook role still needs them."""
    async with access.audited(db):
        require_editor(plan, actor_id, channel=channel)
    revision, current = await store.current(db, file=file)
    if revision != base:
        raise store.conflict(revision)
    doc = document.dump(current)
    drop_person(doc, person_id)
    return await store.commit(
        db=db,
        playbooks=plan.playbooks,
        proposed=doc,
        base=revision,
        actor=actor_id,
        channel=channel,
        source=f"removed {person_id}",
        in_use=current,
    )
