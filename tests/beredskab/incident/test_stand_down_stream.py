"""Streamed stand-down: the closing transaction tells the first chunk, a fan-out the rest, in
bounded transactions behind a durable cursor (``standdown.close``, ``incident.fanout``)."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

import pytest

from beredskab.i18n import t
from beredskab.incident import activation, fanout, stand_down_messages, standdown
from beredskab.incident.fanout import Chunk
from beredskab.models import DeliveryStatus, EntryKind, Incident
from beredskab.plan import Plan, load_plan
from beredskab.storage import Database, Tx
from beredskab.storage.repositories.fanouts import Fanout
from tests.beredskab.helpers import CHIEF, deliveries, log_texts, ramped
from tests.faults.support_delivery import big_directory

DEADLINE = 60.0


async def _open_and_tell_everyone(db: Database, plan: Plan) -> tuple[int, set[str]]:
    """Gruppe 1 activated and its fan-out finished; the incident and everyone told of it."""
    result = await activation.activate(
        db=db, plan=plan, playbook="gruppe-1", actor_id=CHIEF, channel="cli", first_chunk=2
    )
    await fanout.continue_due(db, plan)
    nr = result.incident.id
    return nr, {d.person_id for d in await deliveries(db, nr)}


async def _stand_downs(db: Database, nr: int) -> Counter[str]:
    """Stand-down messages per person (one each: the first channel, the rest fall back)."""
    return Counter(d.person_id for d in await deliveries(db, nr) if d.template == "stand_down")


async def _fanout(db: Database, nr: int) -> Fanout:
    async with db.transaction() as tx:
        found = [f for f in await tx.fanouts.for_incident(nr) if f.kind == stand_down_messages.KIND]
    [one] = found
    return one


async def _notified_log(db: Database, nr: int) -> list[str]:
    async with db.transaction() as tx:
        return [e.text for e in await tx.log.list(nr) if e.kind is EntryKind.NOTIFIED]


@pytest.fixture
def big_plan(tmp_path: Path) -> Plan:
    """The example plan with 600 extra SSP members (gruppe 1's participants)."""
    return load_plan(playbooks_dir=None, directory_file=big_directory(600, tmp_path))


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    """The example plan with 30 extra SSP members: several chunks of 4."""
    return load_plan(playbooks_dir=None, directory_file=big_directory(30, tmp_path))


@pytest.mark.timeout(300)
async def test_a_large_stand_down_queues_each_message_exactly_once_in_chunks(
    db: Database, big_plan: Plan
) -> None:
    plan = big_plan
    nr, told = await _open_and_tell_everyone(db, plan)
    assert len(told) > 600
    result = await standdown.close(db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")
    # the closing transaction: the first chunk only, and a cursor for the rest
    assert result.pending == len(told) - fanout.FIRST_CHUNK
    assert sum((await _stand_downs(db, nr)).values()) == fanout.FIRST_CHUNK
    state = await _fanout(db, nr)
    assert (state.done, state.total, state.finished_at) == (fanout.FIRST_CHUNK, len(told), None)
    # what the log and the interfaces say is what they said when it all went at once
    chief = plan.directory.person(CHIEF)
    assert chief is not None
    [closing] = [e for e in await log_texts(db, nr) if e.startswith("Beredskabet afblæst")]
    assert closing.startswith(
        f"Beredskabet afblæst af {chief.name} via cli; {len(told)} personer orienteret."
    )
    assert result.messages == len(told)  # everyone has a channel: one message each
    said = t("closed", nr=nr, messages=result.messages)
    assert f"{len(told)} afblæsningsbeskeder i kø" in said

    chunks: list[int] = []
    reached = await fanout.continue_due(db, plan, chunk=100, after_chunk=chunks.append)
    assert reached == len(told) - fanout.FIRST_CHUNK
    assert len(chunks) == len(ramped(reached, 100)) and sum(chunks) == reached
    sent = await _stand_downs(db, nr)
    assert set(sent) == told and set(sent.values()) == {1}  # everyone, nobody twice
    assert sum(sent.values()) == result.messages
    rows = [d for d in await deliveries(db, nr) if d.template == "stand_down"]
    assert {d.status for d in rows} == {DeliveryStatus.QUEUED}  # not expired by the close
    done = await _fanout(db, nr)
    assert (done.done, done.reached, done.messages, done.outcome) == (
        len(told),
        len(told),
        len(told),
        "done",
    )
    last = (await _notified_log(db, nr))[-1]
    assert f"Afblæsningen er sendt ud til alle: {len(told)} personer orienteret i alt" in last
    assert f"{len(told)} beskeder sat i kø" in last

    assert await fanout.continue_due(db, plan, chunk=100) == 0  # finished: nothing more
    assert await _stand_downs(db, nr) == sent


async def test_a_small_stand_down_needs_no_fan_out(db: Database) -> None:
    plan = load_plan(playbooks_dir=None, directory_file=None)
    nr, told = await _open_and_tell_everyone(db, plan)
    assert len(told) <= fanout.FIRST_CHUNK
    result = await standdown.close(db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")
    assert result.pending == 0
    sent = await _stand_downs(db, nr)
    assert set(sent) == told and set(sent.values()) == {1}
    assert result.messages == len(told)
    async with db.transaction() as tx:
        kinds = [f.kind for f in await tx.fanouts.for_incident(nr)]
    assert stand_down_messages.KIND not in kinds


class Crash(Exception):
    """The process dies (injected)."""


async def test_a_crash_between_stand_down_chunks_loses_and_duplicates_nothing(
    db: Database, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    nr, told = await _open_and_tell_everyone(db, plan)
    assert len(told) > 20, "several chunks"
    await standdown.close(
        db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli", first_chunk=2
    )

    def dies(_: int) -> None:
        raise Crash

    # 1. the process dies right after the first follow-up chunk committed
    with pytest.raises(Crash):
        await fanout.continue_due(db, plan, chunk=4, after_chunk=dies)
    state = await _fanout(db, nr)
    assert (state.done, state.chunks) == (6, 2)
    assert sum((await _stand_downs(db, nr)).values()) == 6

    # 2. a database error inside the next chunk, after its rows were written: rolled back
    real = fanout.KINDS[stand_down_messages.KIND]

    async def fails(tx: Tx, plan: Plan, incident: Incident, f: Fanout, ids: list[str]) -> Chunk:
        await real.chunk(tx, plan, incident, f, ids)
        raise RuntimeError("the database went away")

    monkeypatch.setitem(fanout.KINDS, stand_down_messages.KIND, replace(real, chunk=fails))
    with pytest.raises(RuntimeError):
        await fanout.continue_due(db, plan, chunk=4)
    assert (await _fanout(db, nr)).done == 6
    assert sum((await _stand_downs(db, nr)).values()) == 6

    # 3. the task is killed while a chunk's transaction is open
    entered = asyncio.Event()

    async def hangs(tx: Tx, plan: Plan, incident: Incident, f: Fanout, ids: list[str]) -> Chunk:
        await real.chunk(tx, plan, incident, f, ids)
        entered.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    monkeypatch.setitem(fanout.KINDS, stand_down_messages.KIND, replace(real, chunk=hangs))
    task = asyncio.ensure_future(fanout.continue_due(db, plan, chunk=4))
    await asyncio.wait_for(entered.wait(), DEADLINE)
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
    assert (await _fanout(db, nr)).done == 6

    # resumed by serve's runner: everyone exactly once
    monkeypatch.setitem(fanout.KINDS, stand_down_messages.KIND, real)
    runner = fanout.Runner(db=db, plan=lambda: plan, chunk=4, recheck=3600)
    stop = asyncio.Event()
    running = asyncio.ensure_future(runner.run(stop))
    try:
        async with asyncio.timeout(DEADLINE):
            while (await _fanout(db, nr)).finished_at is None:  # noqa: ASYNC110 - the database
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(running, DEADLINE)
    sent = await _stand_downs(db, nr)
    assert set(sent) == told and set(sent.values()) == {1}
    done = await _fanout(db, nr)
    assert (done.done, done.reached, done.outcome) == (len(told), len(told), "done")


async def test_serve_continues_a_stand_down_it_is_told_of(db: Database, plan: Plan) -> None:
    nr, told = await _open_and_tell_everyone(db, plan)
    woken: list[int] = []
    runner = fanout.Runner(
        db=db, plan=lambda: plan, chunk=4, after_chunk=woken.append, recheck=3600
    )
    stop = asyncio.Event()
    task = asyncio.ensure_future(runner.run(stop))
    try:
        await standdown.close(
            db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="web", first_chunk=3
        )
        async with asyncio.timeout(DEADLINE):  # woken by the close's commit, not the recheck
            while (await _fanout(db, nr)).finished_at is None:  # noqa: ASYNC110 - the database
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, DEADLINE)
    assert sum(woken) == len(told) - 3
    sent = await _stand_downs(db, nr)
    assert set(sent) == told and set(sent.values()) == {1}


async def test_a_new_activation_is_asked_before_an_old_incidents_stand_down(
    db: Database, plan: Plan
) -> None:
    nr, told = await _open_and_tell_everyone(db, plan)
    await standdown.close(
        db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli", first_chunk=2
    )
    fresh = await activation.activate(
        db=db, plan=plan, playbook="gruppe-1", actor_id=CHIEF, channel="cli", first_chunk=2
    )
    assert fresh.pending > 4
    chunks: list[int] = []
    await fanout.continue_due(
        db, plan, chunk=4, after_chunk=chunks.append, stopping=lambda: bool(chunks)
    )
    # the one chunk went to the new incident's participants; the stand-down waits its turn
    async with db.transaction() as tx:
        [asking] = await tx.fanouts.for_incident(fresh.incident.id)
    assert (asking.done, asking.chunks) == (6, 2)
    assert (await _fanout(db, nr)).done == 2
    await fanout.continue_due(db, plan, chunk=4)
    sent = await _stand_downs(db, nr)
    assert set(sent) == told and set(sent.values()) == {1}
