"""The JSON API for the chief's work: give a task, hand it on, finish it with an outcome,
convene TOT or Lokalråd — the same use cases, refusals audited, bad input a clear 4xx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from beredskab.app import App
from beredskab.plan import Plan
from tests.beredskab.helpers import CHIEF, SSP, STAFF, deliveries
from tests.beredskab.web.api_support import audit_rows, client, log_of, service, token_for
from tests.conftest import TestClock


@pytest.fixture
async def app(db_url: str, clock: TestClock, plan: Plan, tmp_path: Path) -> AsyncIterator[App]:
    async with service(db_url, clock, plan, tmp_path) as built:
        yield built


async def _incident(app: App, chief: dict[str, str]) -> int:
    async with client(app) as http:
        opened = await http.post(
            "/api/v1/incidents", json={"playbook": "gruppe-1", "zone": 1}, headers=chief
        )
    assert opened.status_code == 201, opened.text
    return int(opened.json()["incident"]["id"])


async def test_the_chief_gives_a_task_that_lives_like_an_outreach_task(app: App) -> None:
    chief, staff = await token_for(app, CHIEF), await token_for(app, STAFF)
    nr = await _incident(app, chief)
    async with client(app) as http:
        given = await http.post(
            f"/api/v1/incidents/{nr}/tasks",
            json={"assignee": STAFF, "text": "Tal med caféen i Infohuset", "due": "14:30"},
            headers=chief,
        )
        assert given.status_code == 201, given.text
        task = given.json()
        number = task["number"]
        assert task["text"] == "Tal med caféen i Infohuset" and task["target_id"] is None
        assert task["assignee_name"] == "Amira Hassan" and task["created_by"] == CHIEF
        assert task["due_at"] is not None and task["status"] == "assigned"
        listed = (await http.get(f"/api/v1/incidents/{nr}/tasks", headers=staff)).json()
        assert [t["number"] for t in listed] == [number]
        path = f"/api/v1/incidents/{nr}/tasks/{number}"
        accepted = await http.post(path, json={"action": "accept"}, headers=staff)
        assert accepted.json()["task"]["status"] == "accepted"
        no_outcome = await http.post(path, json={"action": "done"}, headers=staff)
        assert no_outcome.status_code == 422 and "outcome" in no_outcome.json()["detail"]
        done = await http.post(path, json={"action": "done", "outcome": "–"}, headers=staff)
        assert done.status_code == 200, done.text
        assert done.json()["task"]["status"] == "done" and done.json()["task"]["outcome"] == "–"
    told = [d for d in await deliveries(app.db, nr) if d.template == "chief_task"]
    assert {d.person_id for d in told} == {STAFF}


async def test_reassign_over_the_api_names_the_new_assignee(app: App) -> None:
    chief = await token_for(app, CHIEF)
    nr = await _incident(app, chief)
    async with client(app) as http:
        given = await http.post(
            f"/api/v1/incidents/{nr}/tasks",
            json={"assignee": SSP, "text": "Skaf overblik over skolerne"},
            headers=chief,
        )
        number = given.json()["number"]
        moved = await http.post(
            f"/api/v1/incidents/{nr}/tasks/{number}/reassign", json={"to": STAFF}, headers=chief
        )
    assert moved.status_code == 200, moved.text
    assert moved.json()["assignee"] == STAFF
    texts = [e.text for e in await log_of(app, nr)]
    assert (
        f"Opgave {number} (Skaf overblik over skolerne) er givet videre til Amira Hassan." in texts
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"assignee": STAFF, "text": ""}, 422),
        ({"assignee": STAFF, "text": "x" * 1001}, 422),
        ({"assignee": STAFF, "text": "Ok", "due": "i aften"}, 422),
        ({"assignee": STAFF, "text": "Ok", "due": "99999"}, 422),
        ({"assignee": "findes-ikke", "text": "Ok"}, 404),
        ({"assignee": STAFF}, 422),
        ({"assignee": STAFF, "text": "Ok", "extra": 1}, 422),
    ],
)
async def test_bad_task_requests_are_clear_4xx(
    app: App, body: dict[str, object], status: int
) -> None:
    chief = await token_for(app, CHIEF)
    nr = await _incident(app, chief)
    async with client(app) as http:
        answer = await http.post(f"/api/v1/incidents/{nr}/tasks", json=body, headers=chief)
    assert answer.status_code == status, answer.text
    async with app.db.transaction() as tx:
        assert await tx.tasks.list(nr) == []


async def test_non_leaders_are_refused_and_audited(app: App) -> None:
    chief, ssp = await token_for(app, CHIEF), await token_for(app, SSP)
    nr = await _incident(app, chief)
    async with client(app) as http:
        task = await http.post(
            f"/api/v1/incidents/{nr}/tasks", json={"assignee": STAFF, "text": "Ok"}, headers=ssp
        )
        meeting = await http.post(
            f"/api/v1/incidents/{nr}/convene", json={"meeting": "tot"}, headers=ssp
        )
    assert (task.status_code, meeting.status_code) == (403, 403)
    assert [(a.actor, a.allowed) for a in await audit_rows(app, "task.create")] == [(SSP, False)]
    assert [(a.actor, a.allowed) for a in await audit_rows(app, "incident.convene")] == [
        (SSP, False)
    ]


async def test_the_chief_convenes_lokalraadet_over_the_api(app: App) -> None:
    chief = await token_for(app, CHIEF)
    nr = await _incident(app, chief)
    async with client(app) as http:
        called = await http.post(
            f"/api/v1/incidents/{nr}/convene",
            json={"meeting": "lokalraad", "at": "20:00"},
            headers=chief,
        )
        unknown = await http.post(
            f"/api/v1/incidents/{nr}/convene", json={"meeting": "fodboldklubben"}, headers=chief
        )
    assert called.status_code == 200, called.text
    body = called.json()
    assert body["meeting"] == "Lokalråd" and body["when"].endswith("20:00")
    assert set(body["people"]) == {"Line Dahl", "Omar Aziz"} and body["queued"] == 4
    assert unknown.status_code == 404
    sent = [d for d in await deliveries(app.db, nr) if d.template == "convene"]
    assert {d.person_id for d in sent} == {"line-dahl", "omar-aziz"}
