"""`person export` returns everything stored about a person; `person erase` pseudonymises
them everywhere without breaking the situation log's chain, refusing a person still in the
directory unless forced."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from beredskab import report
from beredskab.app import App
from beredskab.errors import InvalidStateError
from beredskab.incident import situation_log
from beredskab.plan import Plan
from beredskab.privacy import erase, export
from beredskab.security import api_tokens, pins
from beredskab.storage.tables import metadata
from contacts.directory import Directory
from tests.beredskab.chain_tamper import tamper
from tests.beredskab.helpers import SSP
from tests.beredskab.inbound.test_sms_commands import CHEAP
from tests.beredskab.privacy.conftest import incident

NAME = "Sara Lund"
NOTE = "Sara Lund er på stedet og ringer til politiet"


def _sara(app: App) -> tuple[str, str]:
    person = app.plan.directory.person(SSP)
    assert person is not None and person.phone and person.email
    return person.phone, person.email


def _without(plan: Plan, person_id: str) -> Plan:
    data = plan.directory.data
    people = tuple(p for p in data.people if p.id != person_id)
    return dataclasses.replace(
        plan, directory=Directory(data.model_copy(update={"people": people}))
    )


async def _everything(app: App) -> str:
    """Every stored value of every table, as one text to search."""
    parts: list[str] = []
    async with app.db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in await conn.execute(text(f'SELECT * FROM "{table.name}"')):
                parts.extend(str(v) for v in row)
    return "\n".join(parts)


async def _story(app: App) -> int:
    nr = await incident(app, close=True, note=NOTE)
    await pins.set_pin(db=app.db, plan=app.plan, person_id=SSP, pin="4711", hasher=CHEAP)
    await api_tokens.create(db=app.db, plan=app.plan, name="Saras integration", person_id=SSP)
    phone, _ = _sara(app)
    async with app.db.transaction() as tx:
        await tx.residents.add(
            phone=phone, zone=2, language="da", consent_version="1", channel="sms", now=tx.now
        )
    return nr


async def test_export_returns_everything_about_the_person(app: App) -> None:
    nr = await _story(app)
    found: dict[str, Any] = await export.export(db=app.db, plan=app.plan, person_id=SSP)
    json.dumps(found)  # JSON as it is
    phone, email = _sara(app)
    assert found["directory"]["name"] == NAME and found["directory"]["email"] == email
    assert found["pin"] == "set" and "hash" not in json.dumps(found["sign_ins"])
    assert [c["incident_id"] for c in found["confirmations"]] == [nr]
    assert {d["address"] for d in found["deliveries"]} >= {phone, email}
    assert NOTE in [e["text"] for e in found["log_entries"]]
    [token] = found["sign_ins"]["api_tokens"]
    assert token["name"] == "Saras integration" and "token_hash" not in token
    [resident] = found["resident_subscriptions"]
    assert resident["phone"] == phone and resident["zone"] == 2
    assert any(a["action"] == "pin.set" for a in found["audit"])
    async with app.db.read() as tx:
        actions = [a.action for a in await tx.audit.list(limit=1000)]
    assert "person.export" in actions


async def test_erase_refuses_a_person_still_in_the_directory(app: App) -> None:
    await _story(app)
    with pytest.raises(InvalidStateError, match="still in the contact directory"):
        await erase.erase(db=app.db, plan=app.plan, person_id=SSP)
    assert NAME in await _everything(app)  # nothing changed


@pytest.mark.parametrize("removed", [True, False])
async def test_erase_pseudonymises_everywhere_and_the_chain_still_verifies(
    app: App, removed: bool
) -> None:
    nr = await _story(app)
    phone, email = _sara(app)
    before = await situation_log.check(db=app.db, incident_id=nr)
    plan = _without(app.plan, SSP) if removed else app.plan
    done = await erase.erase(
        db=app.db,
        plan=plan,
        person_id=SSP,
        force=not removed,
        names=[NAME] if removed else [],
        phones=[phone] if removed else [],
        emails=[email] if removed else [],
    )
    assert done.pseudonym.startswith("slettet-") and done.log_entries >= 1
    assert done.forced is (not removed)
    stored = await _everything(app)
    assert [v for v in (SSP, NAME, phone.removeprefix("+45"), email) if v in stored] == []
    assert done.pseudonym in stored
    check = await situation_log.check(db=app.db, incident_id=nr)
    assert check.ok and check.head == before.head  # the same chain, the same head
    view = await report.overview(db=app.db, incident_id=nr)
    assert view.chain.ok
    assert NOTE.replace(NAME, done.pseudonym) in [e.text for e in view.log]
    async with app.db.read() as tx:
        audits = [a for a in await tx.audit.list(limit=1000) if a.action == "person.erase"]
    assert [a.detail.startswith(f"a person pseudonymised as {done.pseudonym}") for a in audits] == [
        True
    ]


async def test_an_erased_entry_changed_afterwards_breaks_the_chain(app: App) -> None:
    nr = await _story(app)
    done = await erase.erase(db=app.db, plan=app.plan, person_id=SSP, force=True)
    async with app.db.read() as tx:
        erased = [e for e in await tx.log.list(nr) if done.pseudonym in e.text]
    await tamper(
        app.db,
        "UPDATE log_entries SET text = 'skrevet om' WHERE incident_id = :nr AND seq = :seq",
        nr=nr,
        seq=erased[0].seq,
    )
    check = await situation_log.check(db=app.db, incident_id=nr)
    assert not check.ok and check.first_bad_seq == erased[0].seq


async def test_the_database_allows_only_a_recorded_erasure(app: App) -> None:
    nr = await _story(app)
    with pytest.raises(DBAPIError, match="log_entries is append-only"):
        async with app.db.engine.begin() as conn:
            await conn.execute(
                text("UPDATE log_entries SET actor = 'x' WHERE incident_id = :nr"), {"nr": nr}
            )
    await erase.erase(db=app.db, plan=app.plan, person_id=SSP, force=True)
    with pytest.raises(DBAPIError, match="log_entries is append-only"):  # not its hash either
        async with app.db.engine.begin() as conn:
            await conn.execute(
                text("UPDATE log_entries SET hash = 'x' WHERE incident_id = :nr"), {"nr": nr}
            )
