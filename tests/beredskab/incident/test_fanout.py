"""Streamed activation: the first chunk in the activation's transaction, the rest in bounded
follow-up transactions behind a durable cursor (``beredskab.incident.fanout``)."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from beredskab.delivery.outbox import Outbox
from beredskab.i18n import t
from beredskab.inbound.sms_texts import text as sms_text
from beredskab.incident import activation, asking, fanout, participants, standdown
from beredskab.incident.fanout import Chunk
from beredskab.incident.timer_loop import TimerLoop
from beredskab.models import EntryKind, Incident
from beredskab.plan import Plan, load_plan
from beredskab.runtime.health import Board
from beredskab.settings import OutboxSettings
from beredskab.storage import Database, Tx, signals
from beredskab.storage.repositories.fanouts import Fanout
from notifier.types import ChannelKind
from tests.beredskab.helpers import (
    CHIEF,
    SSP,
    RecordingChannel,
    deliveries,
    expected_channels,
    ramped,
)
from tests.faults.support_delivery import big_directory, wait_until

DEADLINE = 60.0


async def _activate(
    db: Database, plan: Plan, *, first_chunk: int, drill: bool = False, actor: str = CHIEF
) -> activation.ActivationResult:
    return await activation.activate(
        db=db,
        plan=plan,
        playbook="gruppe-1",
        actor_id=actor,
        channel="cli",
        description="Brand i kælderen",
        drill=drill,
        first_chunk=first_chunk,
    )


def _others(plan: Plan, actor: str = CHIEF) -> list[str]:
    """Gruppe 1's participants besides the activator, in the order they are asked."""
    playbook = plan.playbook("gruppe-1")
    assert playbook is not None
    people = [p for p in plan.directory.with_any_role(playbook.participants) if p.id != actor]
    return [p.id for p in asking.first_asked(plan, playbook, people)]


async def _alerts(db: Database, incident_id: int) -> Counter[tuple[str, str]]:
    """(person, channel) of every activation alert of an incident, counted."""
    rows = await deliveries(db, incident_id)
    return Counter(
        (d.person_id, d.channel.value)
        for d in rows
        if d.template == "activation" and d.person_id != CHIEF
    )


async def _fanouts(db: Database, incident_id: int) -> list[Fanout]:
    async with db.transaction() as tx:
        return await tx.fanouts.for_incident(incident_id)


async def _asked(db: Database, incident_id: int) -> list[str]:
    """Who got gruppe 1's activation request (a step may ask others to confirm too)."""
    async with db.transaction() as tx:
        asked = await tx.incidents.asked_for(incident_id)
    return [person for person, playbooks in asked.items() if "gruppe-1" in playbooks]


async def _log(db: Database, incident_id: int) -> list[str]:
    async with db.transaction() as tx:
        return [e.text for e in await tx.log.list(incident_id) if e.kind is EntryKind.NOTIFIED]


@pytest.fixture
def big_plan(tmp_path: Path) -> Plan:
    """The example plan with 600 extra SSP members (gruppe 1's participants)."""
    return load_plan(playbooks_dir=None, directory_file=big_directory(600, tmp_path))


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    """The example plan with 30 extra SSP members: several chunks of 3 or 4."""
    return load_plan(playbooks_dir=None, directory_file=big_directory(30, tmp_path))


@pytest.mark.timeout(300)
async def test_a_large_activation_queues_everyone_exactly_once_in_chunks(
    db: Database, big_plan: Plan
) -> None:
    plan = big_plan
    others = _others(plan)
    result = await _activate(db, plan, first_chunk=20)
    nr = result.incident.id
    assert result.participants == len(others) + 1  # the activator is a participant
    assert result.pending == len(others) - 20
    # the activation's own transaction: the activator and the first 20 only
    assert sorted(await _asked(db, nr)) == sorted([CHIEF, *others[:20]])
    first = await _alerts(db, nr)
    assert set(first) == expected_channels(plan, others[:20])
    assert result.messages == len(await deliveries(db, nr))
    [open_fanout] = await _fanouts(db, nr)
    assert (open_fanout.done, open_fanout.total, open_fanout.finished_at) == (20, len(others), None)
    [told] = [e for e in await _log(db, nr) if "deltagere underrettet:" in e]
    assert told.startswith("21 deltagere underrettet: ")  # the activator and the first 20
    assert f"De øvrige {len(others) - 20} deltagere sættes i kø lige efter" in told

    chunks: list[int] = []
    reached = await fanout.continue_due(db, plan, chunk=100, after_chunk=chunks.append)
    assert reached == len(others) - 20
    assert chunks == ramped(len(others) - 20, 100)  # 25, 50, then 100 at a time
    assert sum(chunks) == reached
    alerts = await _alerts(db, nr)
    assert set(alerts) == expected_channels(plan, others)
    assert set(alerts.values()) == {1}  # nobody twice on any channel
    assert sorted(await _asked(db, nr)) == sorted([CHIEF, *others])
    [done] = await _fanouts(db, nr)
    assert (done.done, done.reached, done.outcome) == (len(others), len(others), "done")
    assert done.messages == sum(alerts.values())
    assert done.finished_at is not None
    last = (await _log(db, nr))[-1]
    assert f"{len(others)} deltagere underrettet i alt" in last
    assert f"{sum(alerts.values())} beskeder sat i kø" in last

    rows = len(await deliveries(db, nr))
    assert await fanout.continue_due(db, plan, chunk=100) == 0  # finished: nothing more
    assert len(await deliveries(db, nr)) == rows


async def test_the_activator_is_left_out_wherever_they_stand_in_the_asking_order(
    db: Database, big_plan: Plan
) -> None:
    """An SSP member (asked after the chiefs) activates: the fan-out's stored list is the
    order without them, so nobody is skipped and the activator is not asked."""
    others = _others(big_plan, actor=SSP)
    playbook = big_plan.playbook("gruppe-1")
    assert playbook is not None
    order = [p.id for p in asking.ranked(big_plan, playbook).people]
    assert 0 < order.index(SSP) < len(order) - 1  # neither first nor last
    result = await _activate(db, big_plan, first_chunk=20, actor=SSP)
    async with db.transaction() as tx:
        [started] = await tx.fanouts.for_incident(result.incident.id)
        stored = await tx.fanouts.recipients(started.id)
    assert list(stored) == others == [p for p in order if p != SSP]
    assert result.pending == len(others) - 20


async def test_a_recipient_id_with_a_line_break_is_refused(db: Database, plan: Plan) -> None:
    result = await _activate(db, plan, first_chunk=20)
    with pytest.raises(ValueError, match="line break"):
        async with db.transaction() as tx:
            await tx.fanouts.start(
                incident_id=result.incident.id,
                kind="participants",
                playbook_id="gruppe-1",
                template="activation",
                recipients=["sara-lund", "bench-1\nbench-2"],
                done=0,
                reached=0,
                messages=0,
                now=tx.now,
            )


class Crash(Exception):
    """The process dies (injected)."""


async def test_a_crash_between_chunks_resumes_from_the_cursor_without_loss_or_duplicates(
    db: Database, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    others = _others(plan)
    assert len(others) > 20, "several chunks"
    nr = (await _activate(db, plan, first_chunk=2)).incident.id

    def dies(_: int) -> None:
        raise Crash

    # 1. the process dies right after the first follow-up chunk committed
    with pytest.raises(Crash):
        await fanout.continue_due(db, plan, chunk=4, after_chunk=dies)
    [state] = await _fanouts(db, nr)
    assert state.done == 6 and state.chunks == 2
    assert set(await _alerts(db, nr)) == expected_channels(plan, others[:6])

    # 2. a database error inside the next chunk, after its rows were written: rolled back
    real = fanout.KINDS[participants.KIND]

    async def fails(tx: Tx, plan: Plan, incident: Incident, f: Fanout, ids: list[str]) -> Chunk:
        await real.chunk(tx, plan, incident, f, ids)
        raise RuntimeError("the database went away")

    monkeypatch.setitem(fanout.KINDS, participants.KIND, replace(real, chunk=fails))
    with pytest.raises(RuntimeError):
        await fanout.continue_due(db, plan, chunk=4)
    assert [f.done for f in await _fanouts(db, nr)] == [6]
    assert set(await _alerts(db, nr)) == expected_channels(plan, others[:6])

    # 3. the task is killed while a chunk's transaction is open
    entered = asyncio.Event()

    async def hangs(tx: Tx, plan: Plan, incident: Incident, f: Fanout, ids: list[str]) -> Chunk:
        await real.chunk(tx, plan, incident, f, ids)
        entered.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    monkeypatch.setitem(fanout.KINDS, participants.KIND, replace(real, chunk=hangs))
    task = asyncio.ensure_future(fanout.continue_due(db, plan, chunk=4))
    await asyncio.wait_for(entered.wait(), DEADLINE)
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
    assert [f.done for f in await _fanouts(db, nr)] == [6]

    # resumed: everyone exactly once
    monkeypatch.setitem(fanout.KINDS, participants.KIND, real)
    assert await fanout.continue_due(db, plan, chunk=4) == len(others) - 6
    alerts = await _alerts(db, nr)
    assert set(alerts) == expected_channels(plan, others)
    assert set(alerts.values()) == {1}
    assert sorted(await _asked(db, nr)) == sorted([CHIEF, *others])
    [done] = await _fanouts(db, nr)
    assert (done.done, done.reached, done.outcome) == (len(others), len(others), "done")


async def test_a_stand_down_mid_fan_out_stops_it(db: Database, plan: Plan) -> None:
    others = _others(plan)
    nr = (await _activate(db, plan, first_chunk=2)).incident.id
    chunks: list[int] = []
    await fanout.continue_due(
        db, plan, chunk=3, after_chunk=chunks.append, stopping=lambda: bool(chunks)
    )
    reached = others[:5]
    assert set(await _alerts(db, nr)) == expected_channels(plan, reached)
    informed = {d.person_id for d in await deliveries(db, nr)}  # alerts, the first step's
    await standdown.close(db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")

    assert await fanout.continue_due(db, plan, chunk=3) == 0
    assert set(await _alerts(db, nr)) == expected_channels(plan, reached)  # none after
    assert sorted(await _asked(db, nr)) == sorted([CHIEF, *reached])
    [stopped] = await _fanouts(db, nr)
    assert stopped.outcome == "stopped: incident closed" and stopped.done == 5
    told = {d.person_id for d in await deliveries(db, nr) if d.template == "stand_down"}
    assert told == informed  # the stand-down goes to those who were told, no one else
    last = (await _log(db, nr))[-1]
    assert "stoppet, fordi hændelsen er afblæst" in last
    assert f"de øvrige {len(others) - 5} deltagere har ikke fået besked" in last


async def test_a_real_activation_stops_the_halted_drills_fan_out(db: Database, plan: Plan) -> None:
    others = _others(plan)
    drill = (await _activate(db, plan, first_chunk=2, drill=True)).incident.id
    real = (await _activate(db, plan, first_chunk=3)).incident.id
    assert await fanout.continue_due(db, plan, chunk=4) == len(others) - 3
    assert set(await _alerts(db, drill)) == expected_channels(plan, others[:2])
    assert set(await _alerts(db, real)) == expected_channels(plan, others)
    outcomes = {f.incident_id: f.outcome for f in await _fanouts(db, drill)}
    outcomes.update({f.incident_id: f.outcome for f in await _fanouts(db, real)})
    assert outcomes == {drill: "stopped: incident closed", real: "done"}
    assert "fordi øvelsen er afsluttet" in (await _log(db, drill))[-1]


async def test_an_upgrade_mid_fan_out_asks_nobody_twice(db: Database, plan: Plan) -> None:
    others = _others(plan)
    nr = (await _activate(db, plan, first_chunk=2)).incident.id
    await activation.upgrade(
        db=db,
        plan=plan,
        incident_id=nr,
        to_playbook="gruppe-2",
        actor_id=CHIEF,
        channel="cli",
        police_case="3700-2",
    )
    await fanout.continue_due(db, plan, chunk=4)
    requests = Counter(
        (d.person_id, d.channel.value)
        for d in await deliveries(db, nr)
        if d.template == "activation" and d.person_id != CHIEF
    )
    group2 = plan.playbook("gruppe-2")
    assert group2 is not None
    in_group2 = {p.id for p in plan.directory.with_any_role(group2.participants)}
    # Those asked for gruppe 1 before the upgrade and in gruppe 2 get both requests (as
    # without streaming); those the fan-out had not reached get gruppe 2's only; nobody gets
    # one request twice.
    twice = {p for p in others[:2] if p in in_group2}
    assert {p for p, _ in requests} >= set(others)  # every gruppe 1 participant reached
    assert {p for (p, _), n in requests.items() if n == 2} == twice
    assert set(requests.values()) <= {1, 2}


async def test_serve_continues_at_start_and_when_a_fanout_commits(db: Database, plan: Plan) -> None:
    others = _others(plan)
    left_behind = (await _activate(db, plan, first_chunk=2, drill=True)).incident.id
    woken: list[int] = []
    runner = fanout.Runner(
        db=db, plan=lambda: plan, chunk=4, after_chunk=woken.append, recheck=3600
    )
    stop = asyncio.Event()
    task = asyncio.ensure_future(runner.run(stop))

    async def finished(incident_id: int) -> None:
        """Wait until the runner finished the incident's fan-out (it commits in its own
        transactions; the test reads the database)."""
        async with asyncio.timeout(DEADLINE):
            while any(  # noqa: ASYNC110 - polling the database, not an in-process event
                f.finished_at is None for f in await _fanouts(db, incident_id)
            ):
                await asyncio.sleep(0.05)

    try:
        await finished(left_behind)  # a fan-out from before the start
        assert set(await _alerts(db, left_behind)) == expected_channels(plan, others)
        await standdown.close(
            db=db, plan=plan, incident_id=left_behind, actor_id=CHIEF, channel="cli"
        )
        await finished(left_behind)  # its stand-down streams too (more than the first chunk)
        woken.clear()
        fresh = (await _activate(db, plan, first_chunk=2, drill=True, actor=SSP)).incident.id
        await finished(fresh)
        assert sum(woken) == len(_others(plan, SSP)) - 2
    finally:
        stop.set()
        await asyncio.wait_for(task, DEADLINE)


def test_what_the_activator_is_told_while_the_rest_are_queued(plan: Plan) -> None:
    incident = Incident.model_validate(
        {
            "id": 7,
            "playbook_id": "gruppe-1",
            "playbook_name": "Beredskabsgruppe 1",
            "plan_version": plan.version,
            "title": "Brand",
            "description": "",
            "zone": None,
            "police_case": None,
            "drill": False,
            "status": "active",
            "activated_by": CHIEF,
            "activated_via": "cli",
            "created_at": "2026-12-01T18:00:00+00:00",
            "closed_at": None,
            "closed_by": None,
        }
    )
    result = activation.ActivationResult(
        incident=incident, joined=False, participants=5006, messages=76, pending=4981
    )
    said = activation.summary(result)
    assert "5006 deltagere underrettes: 76 beskeder i kø nu til de første 25" in said
    assert "de øvrige 4981 sættes i kø i de næste sekunder" in said
    assert "4981" in activation.summary(result, "en")
    reply = sms_text(
        "activated_streaming", "da", nr=7, gruppe="Beredskabsgruppe 1", participants=5006
    )
    assert "5006 underrettes nu" in reply and len(reply) <= 160
    small = replace(result, participants=12, messages=30, pending=0)
    assert activation.summary(small) == t(
        "activated", nr=7, gruppe="Beredskabsgruppe 1", participants=12, messages=30
    )


@pytest.mark.timeout(300)
async def test_on_sqlite_the_first_claim_takes_the_write_lock_before_the_first_chunk(
    db: Database, big_plan: Plan
) -> None:
    """SQLite has one writer, and its statements run on the event loop's thread: a chunk of
    500 people holds the loop and the lock for tens of milliseconds. The commit that opens a
    fan-out also wakes the outbox, whose claim of the first messages must come first, even
    when the fan-out goes on straight after the commit."""
    if db.dialect != "sqlite":
        pytest.skip("PostgreSQL writes the chunk and the claim side by side")
    stop = asyncio.Event()
    claimed: list[int] = []
    incident_id = 0

    async def outbox_worker() -> None:
        """Woken by the activation's commit as the outbox's workers are; then claims."""
        sub = db.signals.subscribe(signals.DELIVERIES)
        try:
            await signals.wait(sub, stop, DEADLINE)
            async with db.transaction() as tx:
                claimed.append(len(await tx.deliveries.for_incident(incident_id)))
        finally:
            sub.close()

    worker = asyncio.ensure_future(outbox_worker())
    await asyncio.sleep(0)  # subscribed and waiting
    incident_id = (await _activate(db, big_plan, first_chunk=5)).incident.id
    await fanout.continue_due(db, big_plan, chunk=500)  # at once, as the runner may
    await asyncio.wait_for(worker, DEADLINE)
    assert len(await deliveries(db, incident_id)) > 1000  # 600 people: the chunks came after
    assert claimed[0] < 100  # the activation's own rows only: 5 people and the activator


@pytest.mark.timeout(300)
async def test_on_sqlite_the_first_send_comes_before_the_other_loops_look(
    db: Database, big_plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An activation's commit wakes the outbox, the timer loop, the fan-out runner and the
    outbox's fallback loop. Their statements run on the event loop's thread, so whichever
    goes first holds up the others: the first message must leave before any of them looks."""
    if db.dialect != "sqlite":
        pytest.skip("on PostgreSQL a look waits for its round trip without holding the loop")
    events: list[Any] = []  # what the loops looked at, and each send's channel

    def noting(owner: Any, name: str, event: str) -> None:
        original = getattr(owner, name)

        async def noted(*args: Any, **kwargs: Any) -> Any:
            events.append(event)
            return await original(*args, **kwargs)

        monkeypatch.setattr(owner, name, noted)

    noting(TimerLoop, "_next_due", "timers")
    noting(fanout.Runner, "_open", "fan-out")
    noting(fanout, "_step", "fan-out")
    noting(Outbox, "_fallback_round", "fallback")
    kinds = [ChannelKind.SMS, ChannelKind.VOICE, ChannelKind.TELEGRAM, ChannelKind.EMAIL]
    settings = OutboxSettings(max_idle_seconds=3600)
    outbox = Outbox(
        db=db, channels={k: RecordingChannel(k, events) for k in kinds}, settings=settings
    )
    stop = asyncio.Event()
    timers = TimerLoop(
        db=db,
        plan=lambda: big_plan,
        board=Board(),
        link_base="http://127.0.0.1:8000",
        max_idle_seconds=3600,
        stopping=stop.is_set,
    )
    runner = fanout.Runner(db=db, plan=lambda: big_plan)
    loops = [asyncio.ensure_future(c.run(stop)) for c in (outbox, timers, runner)]
    try:
        looked = {"timers", "fan-out", "fallback"}
        await wait_until(
            lambda: looked <= set(events) and outbox.asleep(ChannelKind.SMS) > 0, DEADLINE
        )
        events.clear()
        await _activate(db, big_plan, first_chunk=5)
        await wait_until(lambda: looked <= set(events) and bool(set(kinds) & set(events)), DEADLINE)
    finally:
        stop.set()
        await asyncio.gather(*loops)
    first_send = next(i for i, e in enumerate(events) if e in kinds)
    assert first_send < min(events.index(e) for e in looked), events[: first_send + 1]
