"""The escalation sweep: one timer per incident escalates every unconfirmed person exactly once,
in controlled time (no sleeping), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from importlib.resources import files
from pathlib import Path

import pytest

from beredskab.incident import acknowledgements, activation, escalation, fanout, standdown, sweep
from beredskab.models import ConfirmationStatus
from beredskab.plan import Plan, load_plan
from beredskab.storage import Database
from beredskab.storage.repositories.timers import NewTimer
from notifier.types import ChannelKind
from tests.beredskab.helpers import CHIEF, POLICE, SSP, deliveries
from tests.conftest import TestClock

PEOPLE = 1000
WITH_DEPUTY = 100
"""The first ones have a deputy outside the incident (``dep-N``), the rest have none."""
RENOTIFIED = "har ikke bekræftet efter 10 min"
DEPUTISED = "har ikke bekræftet efter 20 min"
DECLINER = "henrik-moeller"
"""A participant whose deputy (Lise Krogh) is not one herself."""
NO_DEPUTY = "har ikke bekræftet og har ingen stedfortræder"


def _big_plan(folder: Path, people: int) -> Plan:
    """The bundled plan with ``people`` fictional SSP members (SMS and email) added."""
    text = (files("contacts") / "examples" / "fredericia.toml").read_text(encoding="utf-8")
    text = re.sub(r"^example = true", "example = false", text, flags=re.MULTILINE)
    text = re.sub(r"^deputies = .*$", "", text, flags=re.MULTILINE)  # no role deputies here
    extra = []
    for i in range(people):
        deputy = f'deputy = "dep-{i}"\n' if i < WITH_DEPUTY else ""
        extra.append(
            f'\n[[people]]\nid = "big-{i}"\nname = "Fiktiv Person {i}"\nroles = ["ssp"]\n'
            f'phone = "+45204{i:05d}"\nemail = "big-{i}@example.org"\n{deputy}'
        )
    for i in range(min(people, WITH_DEPUTY)):
        extra.append(
            f'\n[[people]]\nid = "dep-{i}"\nname = "Fiktiv Stedfortræder {i}"\nroles = []\n'
            f'phone = "+45205{i:05d}"\n'
        )
    path = folder / f"kontakter-{people}.toml"
    path.write_text(text + "".join(extra), encoding="utf-8")
    return load_plan(playbooks_dir=None, directory_file=path)


@pytest.fixture
async def cdb(db_url: str, clock: TestClock) -> AsyncIterator[Database]:
    database = Database(db_url, clock=clock)
    await database.upgrade()
    yield database
    await database.dispose()


async def _activate(db: Database, plan: Plan) -> int:
    result = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=POLICE, channel="sms", police_case="3700-1"
    )
    await fanout.complete(db, plan)  # everyone asked, as serve's fan-out runner would
    return result.incident.id


async def _tick(db: Database, plan: Plan) -> int:
    """As the service ticks: chunks of 50, up to 200 chunks."""
    return await escalation.tick(db=db, plan=plan, limit=50, chunks=200)


async def _pending(db: Database, nr: int) -> set[str]:
    """Who is still pending and escalated (not the board a step asks to confirm)."""
    async with db.transaction() as tx:
        return {
            c.person_id
            for c in await tx.incidents.confirmations(nr)
            if c.status is ConfirmationStatus.PENDING and not c.reason.startswith("step:")
        }


async def _log_counts(db: Database, nr: int, phrase: str) -> Counter[str]:
    """How often each person's name starts a log entry containing ``phrase``."""
    async with db.transaction() as tx:
        entries = [e.text for e in await tx.log.list(nr) if phrase in e.text]
    return Counter(t.split(" har ")[0] for t in entries)


def _names(plan: Plan, ids: set[str]) -> Counter[str]:
    return Counter(p.name for p in plan.directory.people if p.id in ids)


def _fictional(counts: Counter[str]) -> Counter[str]:
    """Only the people this test added (the bundled ones' deputies may be participants)."""
    return Counter({name: n for name, n in counts.items() if name.startswith("Fiktiv ")})


def _big_silent(silent: set[str], *, deputy: bool) -> set[str]:
    return {p for p in silent if p.startswith("big-") and (int(p[4:]) < WITH_DEPUTY) is deputy}


async def _sweeps(db: Database, nr: int) -> list[tuple[bool, str]]:
    async with db.transaction() as tx:
        return [
            (t.fired_at is not None, t.outcome or "")
            for t in await tx.timers.for_incident(nr)
            if t.kind == sweep.SWEEP
        ]


@pytest.mark.timeout(600)
async def test_a_large_incident_escalates_each_unconfirmed_person_exactly_once(
    cdb: Database, clock: TestClock, tmp_path: Path
) -> None:
    plan = _big_plan(tmp_path, PEOPLE)
    nr = await _activate(cdb, plan)
    async with cdb.transaction() as tx:
        timers = await tx.timers.for_incident(nr)
    assert Counter(t.kind for t in timers)[sweep.SWEEP] == 1  # one sweep, not 2,000 timers
    assert not [t for t in timers if t.kind in ("renotify", "deputy")]
    answered = {f"big-{i}" for i in range(0, PEOPLE, 7)}
    for person in sorted(answered):
        await acknowledgements.record(
            db=cdb, plan=plan, incident_id=nr, person_id=person, via="sms"
        )
    silent = await _pending(cdb, nr)
    assert len(silent) > PEOPLE * 0.8 and not silent & answered

    clock.advance(minutes=9, seconds=59)
    await _tick(cdb, plan)
    assert not await _log_counts(cdb, nr, RENOTIFIED)  # never early
    clock.advance(seconds=1)
    await _tick(cdb, plan)
    assert await _log_counts(cdb, nr, RENOTIFIED) == _names(plan, silent)
    voice = Counter(
        d.person_id
        for d in await deliveries(cdb, nr)
        if d.template == "reminder" and d.channel is ChannelKind.VOICE
    )
    assert voice == Counter({p.id: 1 for p in plan.directory.people if p.id in silent and p.phone})
    assert await _tick(cdb, plan) == 0  # nothing left due: no sweep fires again

    clock.advance(minutes=10)
    await _tick(cdb, plan)
    with_deputy = _big_silent(silent, deputy=True)
    assert _fictional(await _log_counts(cdb, nr, DEPUTISED)) == _names(plan, with_deputy)
    assert _fictional(await _log_counts(cdb, nr, NO_DEPUTY)) == _names(
        plan, _big_silent(silent, deputy=False)
    )
    async with cdb.transaction() as tx:
        asked = Counter(c.reason for c in await tx.incidents.confirmations(nr))
    assert all(asked[f"deputy:{p}"] == 1 for p in with_deputy)

    clock.advance(hours=3)  # the deputies' own escalation, the missing list and beyond
    while await _tick(cdb, plan):
        pass
    deputies = {f"dep-{p[4:]}" for p in with_deputy}
    assert _fictional(await _log_counts(cdb, nr, RENOTIFIED)) == _names(
        plan, _big_silent(silent, deputy=True) | _big_silent(silent, deputy=False) | deputies
    )
    assert _fictional(await _log_counts(cdb, nr, DEPUTISED)) == _names(plan, with_deputy)
    assert len([o for fired, o in await _sweeps(cdb, nr) if not fired]) <= 1  # one per incident


@pytest.mark.postgres
@pytest.mark.timeout(600)
async def test_two_tick_runners_on_postgresql_never_escalate_anyone_twice(
    db_url: str, clock: TestClock, tmp_path: Path
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("two instances share one database only on PostgreSQL")
    plan = _big_plan(tmp_path, 400)
    dbs = [Database(db_url, clock=clock) for _ in range(2)]
    await dbs[0].upgrade()
    try:
        nr = await _activate(dbs[0], plan)
        silent = await _pending(dbs[0], nr)
        clock.advance(minutes=20)  # both moments due at once: the most work per sweep
        for _ in range(3):
            await asyncio.gather(
                *(escalation.tick(db=db, plan=plan, limit=10, chunks=200) for db in dbs)
            )
        assert await _log_counts(dbs[0], nr, RENOTIFIED) == _names(plan, silent)
        with_deputy = _big_silent(silent, deputy=True)
        assert _fictional(await _log_counts(dbs[0], nr, DEPUTISED)) == _names(plan, with_deputy)
        assert _fictional(await _log_counts(dbs[0], nr, NO_DEPUTY)) == _names(
            plan, _big_silent(silent, deputy=False)
        )
        assert max((await _log_counts(dbs[0], nr, "bekræftet")).values()) <= 2
        reminders = Counter(
            (d.person_id, d.channel)
            for d in await deliveries(dbs[0], nr)
            if d.template == "reminder" and "mangler dit svar" in d.text  # not a step's
        )
        assert reminders and max(reminders.values()) == 1
    finally:
        for db in dbs:
            await db.dispose()


async def test_a_confirmation_just_before_the_moment_cancels_and_one_after_does_not(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await _activate(cdb, plan)
    clock.advance(minutes=9, seconds=59)
    await acknowledgements.record(db=cdb, plan=plan, incident_id=nr, person_id=SSP, via="sms")
    clock.advance(seconds=1)
    await escalation.tick(db=cdb, plan=plan)
    reminded = {d.person_id for d in await deliveries(cdb, nr) if d.template == "reminder"}
    assert reminded and SSP not in reminded
    late = sorted(reminded)[0]
    await acknowledgements.record(db=cdb, plan=plan, incident_id=nr, person_id=late, via="sms")
    clock.advance(minutes=30)
    await escalation.tick(db=cdb, plan=plan)
    async with cdb.transaction() as tx:
        reasons = {c.reason for c in await tx.incidents.confirmations(nr)}
    assert f"deputy:{SSP}" not in reasons and f"deputy:{late}" not in reasons


async def test_a_sweep_due_while_the_service_was_down_fires_late_and_says_so(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await _activate(cdb, plan)
    silent = await _pending(cdb, nr)
    clock.advance(hours=2)
    await escalation.tick(db=cdb, plan=plan, limit=1000)
    [(fired, outcome), (later, _)] = await _sweeps(cdb, nr)
    assert fired and "renotified" in outcome and "(fired 110 min late)" in outcome
    assert not later  # the deputies just asked are escalated on their own schedule
    # Both moments had passed: each silent person was sent the alert again, then replaced.
    assert await _log_counts(cdb, nr, RENOTIFIED) == _names(plan, silent)
    deputised = await _log_counts(cdb, nr, DEPUTISED) + await _log_counts(cdb, nr, NO_DEPUTY)
    assert set(deputised) <= set(_names(plan, silent)) and max(deputised.values()) == 1
    assert await escalation.tick(db=cdb, plan=plan) == 0


async def test_asking_in_chunks_keeps_one_sweep_and_one_missing_list(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await _activate(cdb, plan)
    playbook = plan.playbook("2")
    assert playbook is not None
    outsiders = [p for p in plan.directory.people if p.deputy is None][:4]
    for chunk in (outsiders[:2], outsiders[2:]):  # as the streamed activation calls it
        clock.advance(seconds=5)
        async with cdb.transaction() as tx:
            incident = await tx.incidents.get(nr)
            assert incident is not None
            await tx.incidents.add_confirmations(
                nr, [p.id for p in chunk], reason="participant", now=tx.now
            )
            await escalation.schedule_confirmations(
                tx, playbook=playbook, incident=incident, people=chunk
            )
    async with cdb.transaction() as tx:
        kinds = Counter(t.kind for t in await tx.timers.for_incident(nr))
    assert kinds[sweep.SWEEP] == 1 and kinds["report-missing"] == 1


async def test_a_decline_asks_the_deputy_at_once_and_the_sweep_not_again(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await _activate(cdb, plan)
    decliner = plan.directory.person(DECLINER)
    assert decliner is not None and decliner.deputy
    result = await acknowledgements.record(
        db=cdb, plan=plan, incident_id=nr, person_id=DECLINER, via="sms", decline=True
    )
    assert result.deputy == decliner.deputy
    clock.advance(minutes=25)
    await escalation.tick(db=cdb, plan=plan, limit=1000)
    async with cdb.transaction() as tx:
        reasons = Counter(c.reason for c in await tx.incidents.confirmations(nr))
    assert reasons[f"deputy:{DECLINER}"] == 1
    assert decliner.name not in await _log_counts(cdb, nr, "har ikke bekræftet")  # left alone
    deputy = plan.directory.person(decliner.deputy)
    assert deputy is not None
    assert (await _log_counts(cdb, nr, RENOTIFIED))[deputy.name] == 1  # she is chased herself


@pytest.mark.parametrize("how", ["stand-down", "drill halted"])
async def test_standing_down_or_halting_the_drill_retires_the_sweep(
    cdb: Database, plan: Plan, clock: TestClock, how: str
) -> None:
    if how == "stand-down":
        nr = await _activate(cdb, plan)
        await standdown.close(db=cdb, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")
    else:
        started = await activation.activate(
            db=cdb, plan=plan, playbook="2", actor_id=POLICE, channel="sms", drill=True
        )
        nr = started.incident.id
        await _activate(cdb, plan)  # a real activation halts the open drill
    clock.advance(hours=1)
    await escalation.tick(db=cdb, plan=plan, limit=1000)
    assert not [d for d in await deliveries(cdb, nr) if d.template == "reminder"]
    assert all(
        fired and not outcome.startswith("swept") for fired, outcome in await _sweeps(cdb, nr)
    )


async def test_per_person_timers_from_before_the_sweep_still_fire_once(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await _activate(cdb, plan)
    async with cdb.transaction() as tx:
        # An incident begun before migration 0015: no moments on its rows, timers per person.
        await tx.timers.cancel_open(nr, now=tx.now, outcome="test: replaced")
        everything = tx.now + timedelta(days=1)
        for step in ("renotify", "deputy"):
            await tx.incidents.claim_escalations(nr, step=step, now=everything, limit=1000)
        await tx.timers.add(
            [
                NewTimer("renotify", nr, tx.now + timedelta(minutes=10), person_id=DECLINER),
                NewTimer("deputy", nr, tx.now + timedelta(minutes=20), person_id=DECLINER),
            ],
            now=tx.now,
        )
    clock.advance(minutes=20)
    await escalation.tick(db=cdb, plan=plan, limit=1000)
    late = plan.directory.person(DECLINER)
    assert late is not None
    assert (await _log_counts(cdb, nr, RENOTIFIED))[late.name] == 1
    assert (await _log_counts(cdb, nr, DEPUTISED))[late.name] == 1
    assert not [p for p in await _log_counts(cdb, nr, "har ikke bekræftet") if p != late.name]
    open_sweeps = [outcome for fired, outcome in await _sweeps(cdb, nr) if not fired]
    assert len(open_sweeps) == 1  # the deputy just asked is chased by a new sweep
