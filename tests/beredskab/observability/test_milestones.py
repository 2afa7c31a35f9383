"""Time to the first confirmation and to all confirmed: once per incident, only for what was
reached since the instance started, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from beredskab.app import App
from beredskab.incident import acknowledgements
from beredskab.models import ConfirmationStatus
from beredskab.plan import Plan
from beredskab.web.scrape import exposition
from tests.beredskab.helpers import activate_2
from tests.beredskab.observability.support import build, parse, value
from tests.conftest import TestClock

GROUP_2 = {"playbook": "gruppe-2", "drill": "false"}


async def _confirm_everyone(app: App, nr: int, clock: TestClock) -> None:
    """Everyone asked answers, 30 s apart."""
    async with app.db.read() as tx:
        pending = [
            c.person_id
            for c in await tx.incidents.confirmations(nr)
            if c.status is ConfirmationStatus.PENDING
        ]
    for person_id in pending:
        clock.advance(seconds=30)
        await acknowledgements.record(
            db=app.db, plan=app.plan, incident_id=nr, person_id=person_id, via="sms"
        )


async def test_each_milestone_is_observed_once(
    db_url: str, clock: TestClock, plan: Plan, tmp_path: Path
) -> None:
    app = await build(db_url, clock, plan, tmp_path)
    app.leadership.is_leader = True
    try:
        nr = await activate_2(app.db, plan)
        await _confirm_everyone(app, nr, clock)
        first = parse((await exposition(app)).decode())
        again = parse((await exposition(app)).decode())
        async with app.db.read() as tx:
            incident = await tx.incidents.get(nr)
            assert incident is not None
            total = (tx.now - incident.created_at).total_seconds()
    finally:
        await app.aclose()
    for samples in (first, again):
        first_count = "beredskab_incident_first_confirmation_seconds_count"
        assert value(samples, first_count, **GROUP_2) == 1
        assert value(samples, "beredskab_incident_first_confirmation_seconds_sum", **GROUP_2) == 30
        assert value(samples, "beredskab_incident_all_confirmed_seconds_count", **GROUP_2) == 1
        assert value(samples, "beredskab_incident_all_confirmed_seconds_sum", **GROUP_2) == total


async def test_milestones_reached_before_the_start_are_not_counted(
    clock: TestClock, plan: Plan, tmp_path: Path
) -> None:
    app = await build(f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3", clock, plan, tmp_path)
    try:
        nr = await activate_2(app.db, plan)
        await _confirm_everyone(app, nr, clock)
        app.metrics.started_at = clock() + timedelta(seconds=1)  # a restart after it all
        samples = parse((await exposition(app)).decode())
    finally:
        await app.aclose()
    assert "beredskab_incident_first_confirmation_seconds_count" not in {n for n, _ in samples}
    assert nr in app.metrics.settled
