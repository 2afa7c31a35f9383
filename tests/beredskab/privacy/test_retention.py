"""Retention: a closed incident past ``retention_days`` goes as a whole, the other incidents'
logs still verify, the run is audited; the audit log and the inbox have their own ages."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from beredskab.app import App
from beredskab.errors import NotFoundError
from beredskab.incident import situation_log
from beredskab.privacy import retention
from beredskab.settings import PrivacySettings
from tests.beredskab.privacy.conftest import incident
from tests.conftest import TestClock


async def _rows(app: App, nr: int) -> dict[str, int]:
    counts = {}
    async with app.db.engine.connect() as conn:
        for table in ("log_entries", "deliveries", "confirmations", "steps", "timers"):
            found = await conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE incident_id = :nr"), {"nr": nr}
            )
            counts[table] = int(found.scalar_one())
    return counts


async def _audit(app: App, action: str) -> list[str]:
    async with app.db.read() as tx:
        return [a.detail for a in await tx.audit.list(limit=1000) if a.action == action]


async def test_a_closed_incident_past_retention_goes_and_the_rest_still_verifies(
    app: App, clock: TestClock
) -> None:
    old = await incident(app, close=True)
    clock.advance(days=400)
    newer = await incident(app, close=True)
    clock.advance(days=331)  # the first was closed 731 days ago, the second 331
    still_open = await incident(app, close=False)
    assert (await _rows(app, old))["log_entries"] > 0

    done = await retention.run(db=app.db, settings=PrivacySettings())

    assert done.incidents == (old,)
    async with app.db.read() as tx:
        assert await tx.incidents.get(old) is None
    assert set((await _rows(app, old)).values()) == {0}
    for nr in (newer, still_open):
        assert (await situation_log.check(db=app.db, incident_id=nr)).ok
    with pytest.raises(NotFoundError, match=f"incident {old} was deleted with its log"):
        await situation_log.check(db=app.db, incident_id=old)
    [detail] = await _audit(app, "privacy.retention")
    assert detail.startswith("1 incidents removed") and detail.endswith(f": {old}")

    again = await retention.run(db=app.db, settings=PrivacySettings())
    assert again.incidents == ()
    assert len(await _audit(app, "privacy.retention")) == 1  # nothing removed, nothing audited


async def test_a_new_incident_on_a_purged_number_is_append_only_again(
    app: App, clock: TestClock
) -> None:
    old = await incident(app, close=True)
    second = await incident(app, close=True)
    clock.advance(days=10)
    await retention.run(db=app.db, settings=PrivacySettings(retention_days=5))
    async with app.db.read() as tx:
        assert await tx.incidents.get(old) is None and await tx.incidents.get(second) is None
    newest = await incident(app, close=False)  # SQLite may give it a purged incident's number
    with pytest.raises(DBAPIError, match="log_entries is append-only"):
        async with app.db.engine.begin() as conn:
            await conn.execute(
                text("DELETE FROM log_entries WHERE incident_id = :nr"), {"nr": newest}
            )
    assert (await situation_log.check(db=app.db, incident_id=newest)).ok


async def test_the_audit_log_and_the_inbox_have_their_own_retention(
    app: App, clock: TestClock
) -> None:
    await incident(app, close=False)
    async with app.db.read() as tx:
        before = len(await tx.audit.list(limit=1000))
    assert before > 0
    clock.advance(days=11)
    settings = PrivacySettings(audit_retention_days=10, inbox_retention_days=10)
    done = await retention.run(db=app.db, settings=settings)
    assert done.incidents == () and done.audit_rows == before
    assert await _audit(app, "privacy.audit_retention") == [
        f"{before} audit rows removed (older than 10 days)"
    ]


def test_the_job_runs_with_the_service(app: App) -> None:
    assert "privacy" in [job.name for job in app.jobs()]
