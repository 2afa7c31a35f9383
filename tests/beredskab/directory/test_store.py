"""The directory kept in the database: revisions, per-person history, refusals, reloading."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from beredskab.app import App
from beredskab.directory import store, watch
from beredskab.errors import InvalidStateError, PlanInvalidError
from beredskab.plan import Plan
from beredskab.storage import Database
from tests.beredskab.directory.support import CHIEF, STAFF, example, settings_on

DEADLINE = 60.0


async def _until(check: Callable[[], bool]) -> None:
    """Wait for a state (a generous deadline, not a timing assertion)."""
    give_up = time.monotonic() + DEADLINE
    while not check():
        assert time.monotonic() < give_up, "the expected state was not reached"
        await asyncio.sleep(0.05)


async def _seed(db: Database, plan: Plan) -> store.Committed:
    return await store.commit(
        db=db,
        playbooks=plan.playbooks,
        proposed=example(),
        base=None,
        actor="cli",
        channel="cli",
        source="import fredericia.toml",
    )


def _renamed(person_id: str, name: str) -> dict[str, object]:
    doc = example()
    for person in doc["people"]:
        if person["id"] == person_id:
            person["name"] = name
    return doc


async def test_an_import_is_revision_one_with_everyone_added(db: Database, plan: Plan) -> None:
    assert await store.stored(db) is None
    done = await _seed(db, plan)
    assert done.revision == 1
    people = [c for c in done.changes if c.subject == "person"]
    assert len(people) == len(plan.directory.people)
    assert {c.action for c in done.changes} == {"added"}
    found = await store.stored(db)
    assert found is not None and found.revision == 1
    assert found.directory.person(STAFF) == plan.directory.person(STAFF)
    assert found.directory.source == "database revision 1"
    async with db.read() as tx:
        history = await tx.directory.history("person", STAFF)
        audit = await tx.audit.list()
    assert [(h.revision, h.action, h.before) for h in history] == [(1, "added", None)]
    assert any(a.action == "directory.change" and "revision 1" in a.detail for a in audit)


async def test_a_change_records_before_and_after(db: Database, plan: Plan) -> None:
    await _seed(db, plan)
    done = await store.commit(
        db=db,
        playbooks=plan.playbooks,
        proposed=_renamed(STAFF, "Amira H. Hassan"),
        base=1,
        actor="karen-hald",
        channel="web",
        source="edited",
    )
    assert done.revision == 2
    assert [(c.subject, c.subject_id, c.action, c.fields()) for c in done.changes] == [
        ("person", STAFF, "changed", ["name"])
    ]
    async with db.read() as tx:
        history = await tx.directory.history("person", STAFF)
    assert [h.action for h in history] == ["changed", "added"]
    assert '"Amira H. Hassan"' in (history[0].after or "")
    assert '"Amira Hassan"' in (history[0].before or "")
    assert history[0].actor == "karen-hald"

    same = await store.commit(
        db=db,
        playbooks=plan.playbooks,
        proposed=_renamed(STAFF, "Amira H. Hassan"),
        base=2,
        actor="cli",
        channel="cli",
        source="again",
    )
    assert same.revision is None and await store.head(db) == 2


async def test_a_change_that_breaks_the_plan_is_refused_with_reasons(
    db: Database, plan: Plan
) -> None:
    await _seed(db, plan)
    doc = example()
    doc["people"] = [p for p in doc["people"] if p["id"] != CHIEF]
    doc["people"][0]["phone"] = "12"
    with pytest.raises(store.DirectoryInvalidError) as refused:
        await store.commit(
            db=db,
            playbooks=plan.playbooks,
            proposed=doc,
            base=1,
            actor="cli",
            channel="cli",
            source="bad",
        )
    text = "\n".join(refused.value.problems)
    assert "'12' is not a valid phone number" in text
    assert await store.head(db) == 1

    doc = example()
    doc["people"] = [p for p in doc["people"] if p["id"] != CHIEF]
    doc["assignments"] = [a for a in doc["assignments"] if a["staff"] != CHIEF]
    for person in doc["people"]:
        if person.get("deputy") == CHIEF:
            del person["deputy"]
    for role in doc["roles"]:
        role["deputies"] = [d for d in role.get("deputies", []) if d != CHIEF]
    with pytest.raises(store.DirectoryInvalidError) as refused:
        await store.commit(
            db=db,
            playbooks=plan.playbooks,
            proposed=doc,
            base=1,
            actor="cli",
            channel="cli",
            source="bad",
        )
    assert any("holds role 'projektchef'" in p for p in refused.value.problems)
    assert await store.head(db) == 1


async def test_a_change_on_an_old_revision_is_refused(db: Database, plan: Plan) -> None:
    await _seed(db, plan)
    with pytest.raises(InvalidStateError, match="changed by someone else"):
        await store.commit(
            db=db,
            playbooks=plan.playbooks,
            proposed=_renamed(STAFF, "X"),
            base=None,
            actor="cli",
            channel="cli",
            source="late",
        )


async def test_the_stored_directory_wins_over_the_file_at_start(
    tmp_path: Path, db_url: str, plan: Plan
) -> None:
    app = App.build(settings_on(tmp_path, db_url))
    try:
        await app.start()
        assert app.directory_revision is None
        assert app.plan.directory.source == "fredericia.toml"
        await store.commit(
            db=app.db,
            playbooks=plan.playbooks,
            proposed=_renamed(STAFF, "Amira Stored"),
            base=None,
            actor="cli",
            channel="cli",
            source="import",
        )
        again = App.build(settings_on(tmp_path, db_url))
        try:
            await again.start()
            person = again.plan.directory.person(STAFF)
            assert person is not None and person.name == "Amira Stored"
            assert again.directory_revision == 1
            assert again.plan.version == plan.version  # the signed playbooks are unchanged
        finally:
            await again.aclose()
    finally:
        await app.aclose()


async def test_a_running_service_picks_up_another_process_change(
    tmp_path: Path, db_url: str, plan: Plan
) -> None:
    app = App.build(settings_on(tmp_path, db_url))
    await app.start()
    stop = asyncio.Event()
    tasks = [asyncio.ensure_future(watch.run(app, stop))]
    if app.listener.needed:
        tasks.append(asyncio.ensure_future(app.listener.run(stop)))
    other = Database(db_url)  # another process's view of the same database
    try:
        await _until(lambda: app.db.signals.listening or not app.listener.needed)
        await store.commit(
            db=other,
            playbooks=plan.playbooks,
            proposed=_renamed(STAFF, "Amira Elsewhere"),
            base=None,
            actor="cli",
            channel="cli",
            source="import",
        )
        await _until(lambda: app.directory_revision == 1)
        person = app.plan.directory.person(STAFF)
        assert person is not None and person.name == "Amira Elsewhere"
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        await other.dispose()
        await app.aclose()


async def test_the_file_is_needed_only_while_nothing_is_stored(
    tmp_path: Path, db_url: str, plan: Plan
) -> None:
    settings = settings_on(tmp_path, db_url)
    settings = settings.model_copy(
        update={"plan": settings.plan.model_copy(update={"directory_file": tmp_path / "gone.toml"})}
    )
    app = App.build(settings)
    try:
        with pytest.raises(PlanInvalidError, match=r"gone\.toml"):
            await app.start()
        await store.commit(
            db=app.db,
            playbooks=plan.playbooks,
            proposed=example(),
            base=None,
            actor="cli",
            channel="cli",
            source="import",
        )
        await app.start()
        assert app.directory_revision == 1
        assert app.plan.directory.person(STAFF) is not None
        assert app.reload_plan() == []  # SIGHUP: the playbooks again, the stored directory kept
        assert app.plan.directory.person(STAFF) is not None
    finally:
        await app.aclose()
