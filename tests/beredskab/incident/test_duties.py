"""The leader's §3 duty checklist: ticks are log entries, state comes from the log, only the
leader may tick, and the report and the live fingerprint follow."""

from __future__ import annotations

import pytest

from beredskab import report
from beredskab.errors import InvalidStateError, NotAuthorisedError, NotFoundError
from beredskab.incident import activation, duties, situation_log, standdown
from beredskab.models import EntryKind
from beredskab.plan import Plan
from beredskab.storage import Database
from tests.beredskab.helpers import CHIEF, POLICE

BOARD_DUTY = "informer-bestyrelsen"


async def _incident(db: Database, plan: Plan) -> int:
    result = await activation.activate(
        db=db,
        plan=plan,
        playbook="2",
        actor_id=POLICE,
        channel="cli",
        description="Uro ved torvet",
        zone=2,
        police_case="3700-12345",
    )
    return result.incident.id


async def _set(
    db: Database, plan: Plan, nr: int, duty: str, done: bool, actor: str = CHIEF
) -> duties.DutyChange:
    return await duties.set_duty(
        db=db, plan=plan, incident_id=nr, duty_id=duty, done=done, actor_id=actor, channel="cli"
    )


def _duty_id(plan: Plan) -> str:
    playbook = plan.playbook("2")
    assert playbook is not None
    ids = [d.id for d in playbook.duties]
    return BOARD_DUTY if BOARD_DUTY in ids else ids[1]


async def test_the_leader_ticks_and_unticks_and_the_log_holds_both(
    db: Database, plan: Plan
) -> None:
    nr = await _incident(db, plan)
    duty = _duty_id(plan)
    playbook = plan.playbook("2")
    assert playbook is not None
    async with db.transaction() as tx:
        before = await tx.live.state(nr)
        log = await tx.log.list(nr)
    assert not any(s.done for s in duties.checklist(playbook, log))

    ticked = await _set(db, plan, nr, duty, True)
    assert ticked.changed and ticked.state.done and ticked.entry is not None
    assert ticked.entry.kind is EntryKind.DUTY and f"({duty})" in ticked.entry.text
    again = await _set(db, plan, nr, duty, True)
    assert not again.changed and again.entry is None and again.state.done

    async with db.transaction() as tx:
        after = await tx.live.state(nr)
        log = await tx.log.list(nr)
    assert before is not None and after is not None and after.version != before.version
    states = {s.duty.id: s for s in duties.checklist(playbook, log)}
    assert states[duty].done and states[duty].tick is not None
    assert states[duty].tick.actor == CHIEF
    assert sum(s.done for s in states.values()) == 1

    unticked = await _set(db, plan, nr, duty, False)
    assert unticked.changed and not unticked.state.done
    async with db.transaction() as tx:
        log = await tx.log.list(nr)
        audited = [a.action for a in await tx.audit.list(limit=200) if a.action.startswith("duty")]
    assert not {s.duty.id: s for s in duties.checklist(playbook, log)}[duty].done
    assert [e.text.split(" (")[0] for e in log if e.kind is EntryKind.DUTY] == [
        duties.TICKED,
        duties.UNTICKED,
    ]
    assert audited == ["duty.tick", "duty.untick"]
    assert situation_log.verify(log).ok


async def test_only_the_leader_may_tick_and_the_refusal_is_audited(
    db: Database, plan: Plan
) -> None:
    nr = await _incident(db, plan)
    with pytest.raises(NotAuthorisedError):
        await _set(db, plan, nr, _duty_id(plan), True, actor=POLICE)
    async with db.transaction() as tx:
        log = await tx.log.list(nr)
        refused = [a for a in await tx.audit.list(limit=200) if a.action == "duty.tick"]
    assert not any(e.kind is EntryKind.DUTY for e in log)
    assert [(a.actor, a.allowed) for a in refused] == [(POLICE, False)]


@pytest.mark.parametrize("duty", ["no-such-duty", "Stor bogstav", "x" * 300, "a\x00b"])
async def test_an_unknown_duty_is_named_with_the_ones_there_are(
    db: Database, plan: Plan, duty: str
) -> None:
    nr = await _incident(db, plan)
    with pytest.raises(NotFoundError) as caught:
        await _set(db, plan, nr, duty, True)
    assert _duty_id(plan) in str(caught.value)
    assert caught.value.template.startswith("incident {nr} has no duty")


async def test_a_closed_incident_keeps_its_checklist(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    await _set(db, plan, nr, _duty_id(plan), True)
    await standdown.close(db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")
    with pytest.raises(InvalidStateError):
        await _set(db, plan, nr, _duty_id(plan), False)


async def test_the_report_lists_the_ticked_duties(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    playbook = plan.playbook("2")
    assert playbook is not None
    first, second = playbook.duties[0], playbook.duties[1]
    await _set(db, plan, nr, first.id, True)
    await _set(db, plan, nr, second.id, True)
    await _set(db, plan, nr, second.id, False)
    view = await report.overview(db=db, incident_id=nr)
    text = report.markdown(view, names=plan.labels(), include_sensitive=False)
    part = text.split("## Pligter (§3) afkrydset af lederen", 1)[1].split("\n## ", 1)[0]
    chief = plan.directory.person(CHIEF)
    assert chief is not None
    lines = [line for line in part.splitlines() if line.startswith("| ") and "Pligt" not in line]
    assert len(lines) == 2
    assert " ".join(first.text.split())[:40] in lines[0] and "| afkrydset |" in lines[0]
    assert chief.name in lines[0]
    assert "afkrydsning fjernet" in lines[1]
