"""Deputies that exist: when a person's own deputy is called by the same playbook, the next
one free stands in (the role's deputies), the log says who was passed over and why, and when
nobody is free the log says that too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from beredskab.incident import acknowledgements, escalation, stand_in
from beredskab.plan import Plan, load_plan
from beredskab.storage import Database
from contacts.loader import load_directory
from tests.beredskab.helpers import SSP, activate_2, deliveries, log_texts
from tests.conftest import TestClock

OMAR = "omar-nielsen"  # Sara's deputy, SSP himself: called by group 2 too
LISE = "lise-krogh"  # the SSP role's own deputy in the example
BIRGIT = "birgit-dahl"  # mutual deputy with Jonas Berg; both called, no role deputies


@pytest.fixture
async def cdb(db_url: str, clock: TestClock) -> AsyncIterator[Database]:
    database = Database(db_url, clock=clock)
    await database.upgrade()
    yield database
    await database.dispose()


async def _reasons(db: Database, nr: int) -> dict[str, str]:
    async with db.transaction() as tx:
        return {c.person_id: c.reason for c in await tx.incidents.confirmations(nr)}


def _everyone_but(plan: Plan, *silent: str) -> list[str]:
    pb = plan.playbook("2")
    assert pb is not None
    called = plan.directory.with_any_role(pb.participants)
    return [p.id for p in called if p.id not in silent]


def test_candidates_in_order(plan: Plan) -> None:
    pb = plan.playbook("2")
    sara = plan.directory.person(SSP)
    assert pb is not None and sara is not None
    order = [(p.id, how) for p, how in stand_in.candidates(plan.directory, pb, sara)]
    assert order == [
        (OMAR, "stedfortræder"),
        (LISE, "stedfortræder for rollen SSP-koordinator/-leder"),
    ]
    assert stand_in.called(pb, plan.directory.person(OMAR))  # type: ignore[arg-type]
    assert not stand_in.called(pb, plan.directory.person(LISE))  # type: ignore[arg-type]


def test_the_next_holder_of_a_role_the_playbook_does_not_call(tmp_path: Path) -> None:
    directory = tmp_path / "kontakter.toml"
    directory.write_text(
        """name = "Fiktiv"
[[roles]]
id = "leder"
name = "Leder"
[[roles]]
id = "vagt"
name = "Vagt"
deputies = ["reserve"]
"""
        + "".join(
            f'''[[people]]
id = "{pid}"
name = "{pid.title()}"
roles = [{roles}]
phone = "+4520100{n:03d}"
email = "{pid}@example.org"
'''
            for n, (pid, roles) in enumerate(
                [("a", '"vagt"'), ("b", '"vagt"'), ("c", '"vagt"'), ("reserve", "")]
            )
        ),
        encoding="utf-8",
    )
    pb = load_plan(playbooks_dir=None, directory_file=None).playbook("2")  # calls no "vagt"
    assert pb is not None
    mine = load_directory(directory)
    b = mine.person("b")
    assert b is not None
    order = [(p.id, how) for p, how in stand_in.candidates(mine, pb, b)]
    assert order == [
        ("c", "næste i rollen Vagt"),
        ("a", "næste i rollen Vagt"),
        ("reserve", "stedfortræder for rollen Vagt"),
    ]


async def test_a_deputy_who_is_called_herself_is_passed_over_for_the_roles_deputy(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await activate_2(cdb, plan)
    for person in _everyone_but(plan, SSP):
        await acknowledgements.record(
            db=cdb, plan=plan, incident_id=nr, person_id=person, via="sms"
        )
    clock.advance(minutes=20)
    await escalation.tick(db=cdb, plan=plan)
    assert (await _reasons(cdb, nr)).get(LISE) == f"deputy:{SSP}"
    assert OMAR not in {
        d.person_id for d in await deliveries(cdb, nr) if "stedfortræder for" in d.text
    }
    alert = [
        d for d in await deliveries(cdb, nr) if d.person_id == LISE and d.channel.value == "email"
    ]
    assert alert and "stedfortræder for Sara Lund" in alert[0].text
    log = await log_texts(cdb, nr)
    assert any(
        "Omar Nielsen (stedfortræder) deltager selv i hændelsen" in t
        and "I stedet er Lise Krogh (stedfortræder for rollen SSP-koordinator/-leder) bedt om "
        "at træde til for Sara Lund"
        in t
        for t in log
    ), log


async def test_a_decline_asks_the_next_one_free(cdb: Database, plan: Plan) -> None:
    nr = await activate_2(cdb, plan)
    answer = await acknowledgements.record(
        db=cdb, plan=plan, incident_id=nr, person_id=SSP, via="sms", decline=True
    )
    assert answer.deputy == LISE
    assert (await _reasons(cdb, nr)).get(LISE) == f"deputy:{SSP}"
    again = await acknowledgements.record(
        db=cdb, plan=plan, incident_id=nr, person_id=SSP, via="sms", decline=True
    )
    assert again.deputy is None and not again.changed  # nobody asked twice


async def test_when_nobody_is_free_the_log_says_so(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    nr = await activate_2(cdb, plan)
    for person in _everyone_but(plan, SSP, OMAR, BIRGIT):
        await acknowledgements.record(
            db=cdb, plan=plan, incident_id=nr, person_id=person, via="sms"
        )
    clock.advance(minutes=20)
    await escalation.tick(db=cdb, plan=plan)
    reasons = await _reasons(cdb, nr)
    stand_ins = sorted(r for r in reasons.values() if r.startswith("deputy:"))
    assert len(stand_ins) == 1  # Lise stands in for one of Sara and Omar, never for both
    log = await log_texts(cdb, nr)
    assert any(
        t.startswith(
            "Ingen kan træde til for Birgit Dahl: Jonas Berg (stedfortræder) deltager "
            "selv i hændelsen"
        )
        for t in log
    ), log
    assert any("er allerede bedt om at træde til for en anden" in t for t in log), log
