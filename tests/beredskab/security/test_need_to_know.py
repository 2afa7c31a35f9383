"""Need to know: the rule itself, the lens's scrubbing, and SMS STATUS through the use case.

The web pages, the API and the public page are tested in tests/beredskab/web/test_need_to_know.py,
Telegram in tests/beredskab/bot/test_need_to_know.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from beredskab.app import App
from beredskab.inbound import sms_commands
from beredskab.incident import activation, need_to_know
from beredskab.incident.need_to_know import HIDDEN_CASE, HIDDEN_NAME
from beredskab.models import Delivery, Task, TaskStatus
from beredskab.plan import Plan
from contacts.models import Person
from tests.beredskab.helpers import CHIEF, POLICE, SSP, STAFF
from tests.beredskab.web.api_support import service
from tests.conftest import TestClock

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
JOURNAL = "3700-80260-00123-26"
OUTSIDER = "lise-krogh"  # in the directory, no role in either group
TOT = "jonas-bech"  # TOT: not asked unless the chief convenes it


@pytest.fixture
async def app(db_url: str, clock: TestClock, plan: Plan, tmp_path: Path) -> AsyncIterator[App]:
    async with service(db_url, clock, plan, tmp_path) as built:
        yield built


async def _activate(app: App, playbook: str = "2") -> int:
    result = await activation.activate(
        db=app.db,
        plan=app.plan,
        playbook=playbook,
        actor_id=POLICE if playbook == "2" else CHIEF,
        channel="cli",
        description="Uro ved torvet",
        police_case=JOURNAL if playbook == "2" else None,
    )
    return result.incident.id


def _person(plan: Plan, person_id: str) -> Person:
    found = plan.directory.person(person_id)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("person_id", "sees"),
    [
        (SSP, True),  # a participant (asked to confirm)
        (POLICE, True),  # the activator
        (CHIEF, True),  # the leader
        (STAFF, True),  # the secretariat keeps the record (may correct the facts)
        (OUTSIDER, False),
        ("peter-skov", True),  # the board, asked to acknowledge the orientation (a step)
        (TOT, False),
    ],
)
async def test_who_may_see_the_case(app: App, person_id: str, sees: bool) -> None:
    nr = await _activate(app)
    async with app.db.read() as tx:
        incident = await tx.incidents.get(nr)
        assert incident is not None
        lens = await need_to_know.read_lens(
            tx, plan=app.plan, person=_person(app.plan, person_id), incident=incident
        )
    assert lens.full is sees
    shown = lens.incident(incident)
    assert (shown.police_case == JOURNAL) is sees
    assert (shown.activated_by == POLICE) is sees


async def test_a_task_makes_its_assignee_a_participant(app: App) -> None:
    nr = await _activate(app, "1")
    async with app.db.read() as tx:
        incident = await tx.incidents.get(nr)
        assert incident is not None
        confirmations = await tx.incidents.confirmations(nr)
    director = _person(app.plan, OUTSIDER)  # no role, not asked
    assert not need_to_know.may_see_case(
        app.plan, director, incident, confirmations=confirmations, tasks=()
    )
    given = Task(
        incident_id=nr,
        number=1,
        assignee=director.id,
        target_id=None,
        target_name=None,
        group_id=None,
        zone=None,
        status=TaskStatus.ASSIGNED,
        outcome=None,
        updated_at=incident.created_at,
        text="Ring til afdelingsbestyrelsen",
    )
    assert need_to_know.may_see_case(
        app.plan, director, incident, confirmations=confirmations, tasks=[given]
    )
    hidden = need_to_know.lens(
        app.plan, _person(app.plan, TOT), incident, confirmations=confirmations, tasks=[given]
    )
    assert hidden.task(given).assignee == HIDDEN_NAME


def test_the_lens_scrubs_names_and_journal_numbers_from_text(plan: Plan) -> None:
    lens = need_to_know.Lens(
        full=False,
        aliases={SSP: "deltager-1"},
        names=(("Sara Lund", "deltager-1"), ("Kim Holm", HIDDEN_NAME)),
        cases=("SAG-17",),
    )
    text = "Sara Lund ringede 2026-12-02 til Kim Holm om 3700-55 og SAG-17."
    assert lens.text(text) == (
        f"deltager-1 ringede 2026-12-02 til {HIDDEN_NAME} om {HIDDEN_CASE} og {HIDDEN_CASE}."
    )
    assert lens.who(SSP) == "deltager-1" and lens.who("kim-holm") == HIDDEN_NAME
    assert lens.who("system") == "system" and lens.who(None) is None
    assert need_to_know.FULL.text(text) == text


async def _sms_status(app: App, person_id: str, nr: int) -> str:
    person = _person(app.plan, person_id)
    assert person.phone
    await sms_commands.handle(app=app, sender=person.phone, body=f"STATUS {nr}", hasher=CHEAP)
    async with app.db.transaction() as tx:
        rows: list[Delivery] = await tx.deliveries.to_address(person.phone, limit=100)
    return [d for d in rows if d.template in ("reply", "reply-passive")][-1].text


async def test_sms_status_shows_the_journal_number_on_need_to_know(app: App) -> None:
    nr = await _activate(app)
    for person_id in (SSP, CHIEF):
        assert f"Journalnr.: {JOURNAL}" in await _sms_status(app, person_id, nr)
    hidden = await _sms_status(app, OUTSIDER, nr)
    assert f"Hændelse {nr}" in hidden
    assert JOURNAL not in hidden and f"Journalnr.: {HIDDEN_CASE}" in hidden
