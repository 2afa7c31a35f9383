"""Incident statistics: counts, confirmation times and steps per playbook; drills apart."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from beredskab.incident import acknowledgements, activation, standdown, steps
from beredskab.incident.statistics import Durations, PlaybookStatistics, incident_statistics, render
from beredskab.models import ConfirmationStatus
from beredskab.plan import Plan
from beredskab.storage import Database
from tests.beredskab.helpers import CHIEF, POLICE, SSP
from tests.conftest import TestClock


@pytest.fixture
async def cdb(db_url: str, clock: TestClock) -> AsyncIterator[Database]:
    database = Database(db_url, clock=clock)
    await database.upgrade()
    yield database
    await database.dispose()


async def _incident(
    db: Database, plan: Plan, *, playbook: str = "2", actor: str = POLICE, drill: bool = False
) -> int:
    result = await activation.activate(
        db=db,
        plan=plan,
        playbook=playbook,
        actor_id=actor,
        channel="sms",
        drill=drill,
        police_case="3700-1" if playbook == "2" else None,
    )
    return result.incident.id


async def _confirm(db: Database, plan: Plan, nr: int, person: str) -> None:
    await acknowledgements.record(db=db, plan=plan, incident_id=nr, person_id=person, via="sms")


async def _pending_participants(db: Database, nr: int) -> list[str]:
    async with db.transaction() as tx:
        return [
            c.person_id
            for c in await tx.incidents.confirmations(nr)
            if c.reason == "participant" and c.status is ConfirmationStatus.PENDING
        ]


async def _close(db: Database, plan: Plan, nr: int) -> None:
    await standdown.close(db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")


def _group(result_playbooks: tuple[PlaybookStatistics, ...], pid: str) -> PlaybookStatistics:
    return next(p for p in result_playbooks if p.playbook_id == pid)


@pytest.mark.parametrize(
    ("values", "median", "p90"),
    [
        ([], None, None),
        ([60.0], 60.0, 60.0),
        ([120.0, 240.0], 180.0, 240.0),
        ([float(s) for s in range(1, 11)], 5.5, 9.0),
        ([float(s) for s in range(1, 12)], 6.0, 10.0),
    ],
)
def test_median_and_nearest_rank_p90(
    values: list[float], median: float | None, p90: float | None
) -> None:
    assert Durations.of(values) == Durations(len(values), median, p90)


async def test_statistics_per_playbook_leave_drills_out(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    start = clock.now
    # Before the period: a group 1 incident nobody answered.
    old = await _incident(cdb, plan, playbook="1", actor=CHIEF)
    await _close(cdb, plan, old)
    clock.advance(days=10)
    since = clock.now

    # Incident A: SSP after 2 min, everyone else after 10 min; step 1 done.
    a = await _incident(cdb, plan)
    clock.advance(minutes=2)
    await _confirm(cdb, plan, a, SSP)
    clock.advance(minutes=8)
    for person in await _pending_participants(cdb, a):
        await _confirm(cdb, plan, a, person)
    await steps.finish(
        db=cdb, plan=plan, incident_id=a, step_ref="1", actor_id=CHIEF, channel="cli"
    )
    await _close(cdb, plan, a)

    # Incident B: one confirmation after 4 min; the others never answer.
    clock.advance(days=1)
    b = await _incident(cdb, plan)
    clock.advance(minutes=4)
    await _confirm(cdb, plan, b, SSP)
    await _close(cdb, plan, b)

    # A drill: answered within 30 s, which must not flatter the real figures.
    clock.advance(days=1)
    drill = await _incident(cdb, plan, drill=True)
    clock.advance(seconds=30)
    await _confirm(cdb, plan, drill, SSP)

    real = await incident_statistics(db=cdb, plan=plan, since=since)
    group2 = _group(real.playbooks, "gruppe-2")
    assert real.incidents == 2 and group2.incidents == 2
    assert group2.first_confirmation == Durations(2, 180.0, 240.0)
    assert group2.all_confirmed == Durations(1, 600.0, 600.0)
    async with cdb.transaction() as tx:
        per_incident = len(await tx.steps.list(a))
    assert (group2.steps_done, group2.steps_total) == (1, 2 * per_incident)
    assert _group(real.playbooks, "gruppe-1").incidents == 0  # before the period

    everything = await incident_statistics(db=cdb, plan=plan)
    assert _group(everything.playbooks, "gruppe-1").incidents == 1
    assert _group(everything.playbooks, "gruppe-1").first_confirmation == Durations(0, None, None)

    drills = await incident_statistics(db=cdb, plan=plan, since=start, drills=True)
    assert drills.incidents == 1
    assert _group(drills.playbooks, "gruppe-2").first_confirmation == Durations(1, 30.0, 30.0)

    text = render(real)
    assert "øvelser er ikke medregnet" in text
    assert "Til første bekræftelse: median 3 min 00 s, p90 4 min 00 s (2 hændelser)" in text
    assert "(1 af 2 hændelser nåede dertil)" in text
    assert f"Trin udført: 1 af {2 * per_incident}" in text
    assert "kun øvelser" in render(drills)
    english = render(real, "en")
    assert "drills not counted" in english
    assert "To the first confirmation: median 3 min 00 s, p90 4 min 00 s (2 incidents)" in english
    assert "(1 of 2 incidents got there)" in english
    assert f"Steps done: 1 of {2 * per_incident}" in english
