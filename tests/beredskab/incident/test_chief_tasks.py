"""The chief's tasks (seed §5) and convening TOT / Lokalråd (seed §3), as use cases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from beredskab import report
from beredskab.boundary.bounds import InputRefusedError
from beredskab.errors import NotAuthorisedError, NotFoundError
from beredskab.i18n import LOCAL_TZ
from beredskab.incident import acknowledgements, activation, chief_tasks, convene, escalation, tasks
from beredskab.models import ConfirmationStatus, TaskStatus
from beredskab.plan import Plan
from beredskab.storage import Database
from tests.beredskab.helpers import CHIEF, POLICE, SSP, STAFF, deliveries
from tests.conftest import TestClock

TOT = ("jonas-bech", "hanne-storm")


@pytest.fixture
async def cdb(db_url: str, clock: TestClock) -> AsyncIterator[Database]:
    database = Database(db_url, clock=clock)
    await database.upgrade()
    yield database
    await database.dispose()


async def _incident(db: Database, plan: Plan) -> int:
    result = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", zone=2, police_case="3700-1"
    )
    return result.incident.id


async def _give(db: Database, plan: Plan, nr: int, **kw: str) -> int:
    task = await chief_tasks.create(
        db=db,
        plan=plan,
        incident_id=nr,
        actor_id=kw.get("actor", CHIEF),
        assignee_id=kw.get("to", STAFF),
        text=kw.get("text", "Ring til skolens ledelse og hør, om eleverne er hjemme"),
        channel="cli",
        due=kw.get("due"),
    )
    return task.number


async def _log(db: Database, nr: int) -> list[str]:
    async with db.transaction() as tx:
        return [e.text for e in await tx.log.list(nr)]


async def test_the_chief_gives_a_task_with_a_due_time_and_the_assignee_is_told(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await _incident(cdb, plan)
    number = await _give(cdb, plan, nr, due="45")
    async with cdb.transaction() as tx:
        task = await tx.tasks.get(nr, number)
        timers = [t for t in await tx.timers.for_incident(nr) if t.kind.startswith("task-")]
    assert task is not None and task.status is TaskStatus.ASSIGNED
    assert task.text is not None and task.text.startswith("Ring til skolens ledelse")
    assert task.target_id is None and task.created_by == CHIEF
    assert task.due_at == clock.now + timedelta(minutes=45)
    lead = timedelta(minutes=plan.playbook("2").escalation.reminder_after_minutes)  # type: ignore[union-attr]
    assert {(t.kind, t.due_at) for t in timers} == {
        ("task-due", task.due_at),
        ("task-soon", task.due_at - lead),
    }
    told = [d for d in await deliveries(cdb, nr) if d.template == "chief_task"]
    assert {d.person_id for d in told} == {STAFF}
    sms = next(d for d in told if d.channel.value == "sms")
    assert "Ring til skolens ledelse" in sms.short_text
    assert f"OPGAVE {number} UDFØRT <resultat>" in sms.short_text
    due_local = task.due_at.astimezone(LOCAL_TZ).strftime("%H:%M")
    assert f"Frist: {due_local}" in sms.short_text
    assert any(f"Opgave {number} givet til Amira Hassan" in e for e in await _log(cdb, nr))


async def test_reminders_come_before_and_at_the_due_time_then_the_chief_is_told(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await _incident(cdb, plan)
    number = await _give(cdb, plan, nr, due="60")

    def reminders_to(person: str, found: list[object]) -> list[object]:
        return [d for d in found if d.template == "reminder" and d.person_id == person]  # type: ignore[attr-defined]

    before = len(reminders_to(STAFF, await deliveries(cdb, nr)))
    clock.advance(minutes=45, seconds=1)  # 60 min due − 15 min lead
    await escalation.tick(db=cdb, plan=plan)
    soon = reminders_to(STAFF, await deliveries(cdb, nr))
    assert len(soon) == before + 1
    assert any(
        f"Opgave {number} (" in e and "skal være løst senest" in e for e in await _log(cdb, nr)
    )
    clock.advance(minutes=15)
    await escalation.tick(db=cdb, plan=plan)
    assert len(reminders_to(STAFF, await deliveries(cdb, nr))) == before + 2
    clock.advance(minutes=16)
    await escalation.tick(db=cdb, plan=plan)
    assert reminders_to(CHIEF, await deliveries(cdb, nr))  # overdue: the chief is told


async def test_a_finished_task_is_not_reminded(cdb: Database, plan: Plan, clock: TestClock) -> None:
    nr = await _incident(cdb, plan)
    number = await _give(cdb, plan, nr, due="60")
    await tasks.change(
        db=cdb,
        plan=plan,
        incident_id=nr,
        number=number,
        actor_id=STAFF,
        status=TaskStatus.DONE,
        channel="cli",
        outcome="–",
    )
    clock.advance(minutes=120)
    await escalation.tick(db=cdb, plan=plan)
    about = f"opgave {number}"
    assert not [
        d for d in await deliveries(cdb, nr) if d.template == "reminder" and about in d.text
    ]
    async with cdb.transaction() as tx:
        fired = [t for t in await tx.timers.for_incident(nr) if t.kind.startswith("task-")]
    assert len(fired) == 2
    assert all((t.outcome or "").startswith("skipped: task settled") for t in fired)


async def test_only_the_leader_gives_tasks_and_a_refusal_is_audited(
    db: Database, plan: Plan
) -> None:
    nr = await _incident(db, plan)
    with pytest.raises(NotAuthorisedError):
        await _give(db, plan, nr, actor=SSP)
    async with db.transaction() as tx:
        assert await tx.tasks.list(nr) == []
        refused = [a for a in await tx.audit.list(incident_id=nr) if a.action == "task.create"]
    assert [(a.actor, a.allowed) for a in refused] == [(SSP, False)]


@pytest.mark.parametrize(
    ("kw", "error"),
    [
        ({"to": "nobody-here"}, NotFoundError),
        ({"text": "   "}, InputRefusedError),
        ({"text": "x" * 1001}, InputRefusedError),
        ({"due": "0"}, InputRefusedError),
        ({"due": "25:00"}, InputRefusedError),
        ({"due": "i morgen"}, InputRefusedError),
    ],
)
async def test_bad_task_input_is_refused_clearly(
    db: Database, plan: Plan, kw: dict[str, str], error: type[Exception]
) -> None:
    nr = await _incident(db, plan)
    with pytest.raises(error):
        await _give(db, plan, nr, **kw)
    async with db.transaction() as tx:
        assert await tx.tasks.list(nr) == []


@pytest.mark.parametrize(
    ("value", "now_local", "due_local"),
    [
        ("30", "2026-11-27 03:00", "2026-11-27 03:30"),
        ("14:30", "2026-11-27 03:00", "2026-11-27 14:30"),
        ("14.30", "2026-11-27 03:00", "2026-11-27 14:30"),
        ("02:15", "2026-11-27 03:00", "2026-11-28 02:15"),  # passed today: tomorrow
        ("0:05", "2026-11-27 23:50", "2026-11-28 00:05"),
    ],
)
def test_due_times_are_minutes_or_danish_clock_times(
    value: str, now_local: str, due_local: str
) -> None:
    now = datetime.fromisoformat(now_local).replace(tzinfo=LOCAL_TZ).astimezone(UTC)
    due = chief_tasks.parse_due(value, now=now)
    assert due.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") == due_local


async def test_done_needs_an_outcome_and_a_dash_is_one(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    number = await _give(db, plan, nr)

    async def done(outcome: str | None) -> tasks.TaskChange:
        return await tasks.change(
            db=db,
            plan=plan,
            incident_id=nr,
            number=number,
            actor_id=STAFF,
            status=TaskStatus.DONE,
            channel="cli",
            outcome=outcome,
        )

    for missing in (None, "", "   "):
        with pytest.raises(InputRefusedError, match="outcome"):
            await done(missing)
    finished = await done("–")
    assert finished.task.status is TaskStatus.DONE and finished.task.outcome == "–"
    assert any(e.endswith("Resultat: –") for e in await _log(db, nr))


async def test_reassigning_says_to_whom_by_name_and_tells_the_new_assignee(
    db: Database, plan: Plan
) -> None:
    nr = await _incident(db, plan)
    number = await _give(db, plan, nr, to=SSP)
    other = "fatima-yilmaz"
    moved = await tasks.reassign(
        db=db, plan=plan, incident_id=nr, number=number, actor_id=CHIEF, to=other, channel="cli"
    )
    assert moved.assignee == other and moved.text is not None
    assert any(
        f"Opgave {number} ({moved.title}) er givet videre til Fatima Yilmaz." == e
        for e in await _log(db, nr)
    )
    told = [d for d in await deliveries(db, nr) if d.template == "chief_task"]
    assert {d.person_id for d in told} == {SSP, other}


async def test_the_chief_convenes_tot_and_their_ok_confirms(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    done = await convene.convene(
        db=db,
        plan=plan,
        incident_id=nr,
        actor_id=CHIEF,
        meeting_id="tot",
        channel="web",
        at="19:30",
    )
    assert done.meeting.role == "tot" and set(done.people) == {"Jonas Bech", "Hanne Storm"}
    assert done.when.endswith("19:30")  # with the date when 19:30 local has passed today
    async with db.transaction() as tx:
        rows = {c.person_id: c for c in await tx.incidents.confirmations(nr)}
    assert {p: (rows[p].reason, rows[p].status) for p in TOT} == {
        p: ("convene:tot", ConfirmationStatus.PENDING) for p in TOT
    }
    sent = [d for d in await deliveries(db, nr) if d.template == "convene"]
    assert {(d.person_id, d.channel.value) for d in sent} == {
        (p, c) for p in TOT for c in ("sms", "email")
    }  # every channel at once, like any message that asks to confirm
    for d in sent:
        assert f"TOT (infohus-samarbejde), Infohuset, {done.when}" in d.short_text
        assert f"svar OK {nr}" in d.short_text
    await acknowledgements.record(db=db, plan=plan, incident_id=nr, person_id=TOT[0], via="sms")
    async with db.transaction() as tx:
        row = await tx.incidents.confirmation(nr, TOT[0])
    assert row is not None and row.status is ConfirmationStatus.CONFIRMED
    assert any(
        e.startswith("TOT (infohus-samarbejde) indkaldt af Maria Friis") for e in await _log(db, nr)
    )


async def test_only_the_leader_convenes_and_only_the_plans_meetings(
    db: Database, plan: Plan
) -> None:
    nr = await _incident(db, plan)
    with pytest.raises(NotAuthorisedError):
        await convene.convene(
            db=db, plan=plan, incident_id=nr, actor_id=SSP, meeting_id="tot", channel="web"
        )
    with pytest.raises(NotFoundError, match="lokalraad"):
        await convene.convene(
            db=db,
            plan=plan,
            incident_id=nr,
            actor_id=CHIEF,
            meeting_id="bestyrelsen",
            channel="web",
        )
    assert not [d for d in await deliveries(db, nr) if d.template == "convene"]
    async with db.transaction() as tx:
        refused = [a for a in await tx.audit.list(incident_id=nr) if not a.allowed]
    assert [(a.actor, a.action) for a in refused] == [(SSP, "incident.convene")]


async def test_the_report_lists_the_chiefs_task_with_its_outcome(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    number = await _give(db, plan, nr, text="Tjek skolens forældreintra")
    await tasks.change(
        db=db,
        plan=plan,
        incident_id=nr,
        number=number,
        actor_id=STAFF,
        status=TaskStatus.DONE,
        channel="sms",
        outcome="Besked lagt ud kl. 3",
    )
    view = await report.overview(db=db, incident_id=nr)
    names = {p.id: p.name for p in plan.directory.people}
    text = report.render(
        view, fmt=report.Format.MARKDOWN, names=names, include_sensitive=False
    ).decode()
    section = text[text.index("Opgaver") :]
    row = next(line for line in section.splitlines() if "Tjek skolens forældreintra" in line)
    assert "Amira Hassan" in row and "Projektchefens" in row and "Besked lagt ud kl. 3" in row
    assert f"Opgave {number} givet til Amira Hassan: Tjek skolens forældreintra" in text
