"""The JSON API endpoints: every one through the same use cases as the other channels, with
errors as ``{"detail": ...}``. Token handling is in ``test_api_tokens.py``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from beredskab.app import App
from beredskab.incident import acknowledgements
from beredskab.plan import Plan
from tests.beredskab.helpers import CHIEF, SSP, STAFF, deliveries
from tests.beredskab.web.api_support import audit_rows, client, log_of, service, token_for
from tests.conftest import TestClock

NO_ROLE = "lise-krogh"
OTHER_SSP = "omar-nielsen"
YOUTH_CHIEF = "henrik-moeller"


@pytest.fixture
async def app(db_url: str, clock: TestClock, plan: Plan, tmp_path: Path) -> AsyncIterator[App]:
    async with service(db_url, clock, plan, tmp_path) as built:
        yield built


async def activate(http: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> int:
    response = await http.post(
        "/api/v1/incidents", json={"playbook": "gruppe-1", **body}, headers=headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["incident"]["id"])


# --- incidents ------------------------------------------------------------------------------


async def test_activate_list_get_and_close(app: App) -> None:
    chief = await token_for(app, CHIEF)
    async with client(app) as http:
        opened = await http.post(
            "/api/v1/incidents",
            json={"playbook": "1", "description": "Brand i opgang", "zone": 2, "drill": True},
            headers=chief,
        )
        assert opened.status_code == 201, opened.text
        body = opened.json()
        incident = body["incident"]
        nr = incident["id"]
        assert body["joined"] is False and body["participants"] > 0
        assert incident["activated_by"] == CHIEF and incident["activated_via"] == "api"
        assert incident["drill"] is True and incident["zone"] == 2
        assert incident["created_at"] == "2026-11-27T02:00:00Z"
        queued = await deliveries(app.db, nr)
        activation = [d for d in queued if d.template == "activation"]
        assert body["messages"] == len(queued) and SSP in {d.person_id for d in activation}
        listed = (await http.get("/api/v1/incidents", headers=chief)).json()
        assert [(i["id"], i["status"], i["drill"]) for i in listed] == [(nr, "active", True)]
        closed_only = await http.get("/api/v1/incidents?status=closed", headers=chief)
        assert closed_only.json() == []
        detail = (await http.get(f"/api/v1/incidents/{nr}", headers=chief)).json()
        assert detail["incident"]["title"] == "Brand i opgang"
        confirmed = {c["person_id"]: c["status"] for c in detail["confirmations"]}
        assert confirmed[CHIEF] == "confirmed" and confirmed[SSP] == "pending"
        assert detail["steps"][0]["status"] == "active" and detail["tasks"] == []
        stood_down = await http.post(
            f"/api/v1/incidents/{nr}/close", json={"note": "Rolig nat"}, headers=chief
        )
        assert stood_down.status_code == 200, stood_down.text
        assert stood_down.json()["incident"]["status"] == "closed"
        assert stood_down.json()["incident"]["closed_at"] == "2026-11-27T02:00:00Z"
        assert stood_down.json()["messages"] > 0
        assert (await http.get("/api/v1/incidents?status=open", headers=chief)).json() == []
        closed = (await http.get("/api/v1/incidents?status=closed", headers=chief)).json()
        assert [i["id"] for i in closed] == [nr]
        again = await http.post(f"/api/v1/incidents/{nr}/close", headers=chief)
    assert again.status_code == 409 and "closed" in again.json()["detail"]
    last = (await log_of(app, nr))[-1]
    assert last.kind == "closed" and "via api" in last.text and "Rolig nat" in last.text


async def test_a_second_activation_joins_the_open_incident_as_on_every_channel(app: App) -> None:
    async with client(app) as http:
        nr = await activate(http, await token_for(app, CHIEF))
        second = await http.post(
            "/api/v1/incidents",
            json={"playbook": "gruppe-1", "description": "Også her"},
            headers=await token_for(app, SSP),
        )
    assert second.status_code == 200
    assert second.json()["joined"] is True and second.json()["incident"]["id"] == nr
    assert second.json()["messages"] == 0
    joined = [e for e in await log_of(app, nr) if e.kind == "joined"]
    assert len(joined) == 1 and "via api" in joined[0].text


async def test_upgrade_to_group_2_and_conflicts(app: App) -> None:
    chief = await token_for(app, CHIEF)
    async with client(app) as http:
        nr = await activate(http, chief)
        up = await http.post(
            f"/api/v1/incidents/{nr}/upgrade",
            json={"playbook": "gruppe-2", "police_case": "3700-80-123-26"},
            headers=chief,
        )
        assert up.status_code == 200, up.text
        assert up.json()["incident"]["playbook_id"] == "gruppe-2"
        assert up.json()["incident"]["police_case"] == "3700-80-123-26"
        assert up.json()["participants"] > 0
        same = await http.post(
            f"/api/v1/incidents/{nr}/upgrade", json={"playbook": "gruppe-2"}, headers=chief
        )
    assert same.status_code == 409 and "already runs" in same.json()["detail"]


async def test_role_refusals_are_403_and_audited(app: App) -> None:
    nobody = await token_for(app, NO_ROLE)
    staff = await token_for(app, STAFF)
    async with client(app) as http:
        refused = await http.post("/api/v1/incidents", json={"playbook": "1"}, headers=nobody)
        nr = await activate(http, await token_for(app, CHIEF))
        close = await http.post(f"/api/v1/incidents/{nr}/close", headers=staff)
        step = await http.post(
            f"/api/v1/incidents/{nr}/steps/1", json={"action": "done"}, headers=staff
        )
        listed = (await http.get("/api/v1/incidents", headers=nobody)).json()
    assert refused.status_code == close.status_code == step.status_code == 403
    assert "may not" in refused.json()["detail"]
    assert [i["id"] for i in listed] == [nr]  # the refused activation opened nothing
    denied = [a for a in await audit_rows(app, "activate") if not a.allowed]
    assert [(a.actor, a.channel) for a in denied] == [(NO_ROLE, "api")]
    assert [(a.actor, a.allowed) for a in await audit_rows(app, "close")] == [(STAFF, False)]
    assert [(a.actor, a.allowed) for a in await audit_rows(app, "step.done")] == [(STAFF, False)]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/incidents/999", None),
        ("GET", "/api/v1/incidents/999/confirmations", None),
        ("POST", "/api/v1/incidents/999/confirmations", {}),
        ("GET", "/api/v1/incidents/999/log", None),
        ("POST", "/api/v1/incidents/999/log", {"text": "x"}),
        ("GET", "/api/v1/incidents/999/steps", None),
        ("POST", "/api/v1/incidents/999/steps/1", {"action": "done"}),
        ("GET", "/api/v1/incidents/999/tasks", None),
        ("POST", "/api/v1/incidents/999/tasks/1", {"action": "accept"}),
        ("POST", "/api/v1/incidents/999/close", None),
        ("POST", "/api/v1/incidents", {"playbook": "gruppe-9"}),
        # ids that cannot exist: not ASCII digits, or out of the 32-bit range (both databases)
        ("POST", "/api/v1/incidents/x/tasks/1", {"action": "done"}),
        ("GET", "/api/v1/incidents/2147483648", None),
        ("GET", "/api/v1/incidents/%C2%B2", None),
        ("GET", "/api/v1/incidents/99999999999999999999/log", None),
        ("GET", "/api/v1/incidents/0/steps", None),
        ("POST", "/api/v1/incidents/1/tasks/2147483648", {"action": "accept"}),
    ],
)
async def test_unknown_things_are_404(
    app: App, method: str, path: str, body: dict[str, Any] | None
) -> None:
    async with client(app) as http:
        answer = await http.request(method, path, json=body, headers=await token_for(app, CHIEF))
    assert answer.status_code == 404
    assert isinstance(answer.json()["detail"], str) and answer.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/incidents", {"description": "no playbook"}),
        ("/api/v1/incidents", {"playbook": "1", "zone": 7}),
        ("/api/v1/incidents", {"playbook": "1", "drill": "maybe"}),
        ("/api/v1/incidents", {"playbook": "1", "zoen": 2}),
        ("/api/v1/incidents/1/log", {"text": "   "}),
        ("/api/v1/incidents/1/log", {"text": "x", "kind": "closed"}),
        ("/api/v1/incidents/1/steps/1", {"action": "finish"}),
        ("/api/v1/incidents/1/tasks/1", {"action": "done", "outcome": 3}),
        ("/api/v1/incidents/1/confirmations", {"answer": "yes"}),
        ("/api/v1/incidents", {"playbook": "\u000b"}),
        ("/api/v1/incidents", {"playbook": "g" * 65}),
        ("/api/v1/incidents", {"playbook": "1", "description": "nul \x00 here"}),
        ("/api/v1/incidents", {"playbook": "1", "description": "lone \ud800 surrogate"}),
        ("/api/v1/incidents", {"playbook": "1", "police_case": "x" * 65}),
        ("/api/v1/incidents/1/log", {"text": "nul \x00 here"}),
        ("/api/v1/incidents/1/log", {"text": "x" * 4001}),
        ("/api/v1/incidents/1/log", {"text": "x", "corrects": 2**31}),
        ("/api/v1/incidents/1/steps/1", {"action": "done", "note": "\x00"}),
        ("/api/v1/incidents/1/steps/%00", {"action": "done"}),
    ],
)
async def test_malformed_requests_are_422_and_change_nothing(
    app: App, path: str, body: dict[str, Any]
) -> None:
    async with client(app) as http:
        headers = {**await token_for(app, CHIEF), "Content-Type": "application/json"}
        # json.dumps escapes a lone surrogate as \\ud800, as a hostile client would send it
        answer = await http.post(path, content=json.dumps(body), headers=headers)
        listed = (await http.get("/api/v1/incidents", headers=await token_for(app, CHIEF))).json()
    assert answer.status_code == 422
    assert answer.json()["detail"] and listed == []


# --- confirmations and the log --------------------------------------------------------------


async def test_a_confirmation_through_the_api_is_like_any_other(app: App) -> None:
    async with client(app) as http:
        nr = await activate(http, await token_for(app, CHIEF))
        await acknowledgements.record(
            db=app.db, plan=app.plan, incident_id=nr, person_id=OTHER_SSP, via="sms"
        )
        ssp = await token_for(app, SSP)
        first = await http.post(f"/api/v1/incidents/{nr}/confirmations", headers=ssp)
        repeat = await http.post(
            f"/api/v1/incidents/{nr}/confirmations", json={"answer": "confirm"}, headers=ssp
        )
        listed = (await http.get(f"/api/v1/incidents/{nr}/confirmations", headers=ssp)).json()
        outsider = await http.post(
            f"/api/v1/incidents/{nr}/confirmations", headers=await token_for(app, NO_ROLE)
        )
    assert first.status_code == 200, first.text
    assert first.json()["changed"] is True and repeat.json()["changed"] is False
    assert first.json()["confirmation"]["via"] == "api"
    by_person = {c["person_id"]: (c["status"], c["via"]) for c in listed}
    assert by_person[SSP] == ("confirmed", "api") and by_person[OTHER_SSP] == ("confirmed", "sms")
    confirmed = [(e.actor, e.text) for e in await log_of(app, nr) if e.kind == "confirmed"]
    names = {p.id: p.name for p in app.plan.directory.people}
    assert confirmed == [
        (OTHER_SSP, f"{names[OTHER_SSP]} bekræftede via sms."),
        (SSP, f"{names[SSP]} bekræftede via api."),
    ]
    acks = [(a.actor, a.channel) for a in await audit_rows(app, "ack")]
    assert acks == [(OTHER_SSP, "sms"), (SSP, "api")]
    assert outsider.status_code == 404 and "was not asked" in outsider.json()["detail"]


async def test_a_decline_through_the_api_asks_the_deputy(app: App) -> None:
    async with client(app) as http:
        nr = await activate(http, await token_for(app, CHIEF))
        declined = await http.post(
            f"/api/v1/incidents/{nr}/confirmations",
            json={"answer": "decline"},
            headers=await token_for(app, YOUTH_CHIEF),
        )
        deputy = await http.post(
            f"/api/v1/incidents/{nr}/confirmations", headers=await token_for(app, NO_ROLE)
        )
    assert declined.status_code == 200
    assert declined.json()["confirmation"]["status"] == "declined"
    assert declined.json()["deputy"] == NO_ROLE  # Henrik Møller's deputy is Lise Krogh
    assert deputy.status_code == 200 and deputy.json()["confirmation"]["reason"] == (
        f"deputy:{YOUTH_CHIEF}"
    )
    assert [e.text for e in await log_of(app, nr) if e.kind in ("declined", "confirmed")] == [
        "Henrik Møller kan ikke deltage via api.",
        "Lise Krogh bekræftede via api.",
    ]


async def test_log_entries_and_who_may_read_sensitive_ones(app: App) -> None:
    chief = await token_for(app, CHIEF)
    ssp = await token_for(app, SSP)
    async with client(app) as http:
        nr = await activate(http, chief)
        added = await http.post(
            f"/api/v1/incidents/{nr}/log",
            json={"text": "Navn på mistænkt: X", "kind": "note", "sensitive": True},
            headers=ssp,
        )
        decision = await http.post(
            f"/api/v1/incidents/{nr}/log",
            json={"text": "Beboermøde kl. 18", "kind": "decision"},
            headers=chief,
        )
        outsider = await http.post(
            f"/api/v1/incidents/{nr}/log",
            json={"text": "hej"},
            headers=await token_for(app, NO_ROLE),
        )
        plain = (await http.get(f"/api/v1/incidents/{nr}/log", headers=ssp)).json()
        refused = await http.get(f"/api/v1/incidents/{nr}/log?include_sensitive=true", headers=ssp)
        full = await http.get(f"/api/v1/incidents/{nr}/log?include_sensitive=true", headers=chief)
    assert added.status_code == decision.status_code == 201
    seq = added.json()["seq"]
    assert added.json()["sensitive"] is True and added.json()["text"] == "Navn på mistænkt: X"
    assert outsider.status_code == 403
    by_seq = {e["seq"]: e for e in plain}
    assert by_seq[seq]["text"] is None and by_seq[seq]["withheld"] is True
    assert by_seq[decision.json()["seq"]]["text"] == "Beboermøde kl. 18"
    assert "Navn på mistænkt" not in str(plain)
    assert refused.status_code == 403
    assert full.status_code == 200
    assert {e["seq"]: e["text"] for e in full.json()}[seq] == "Navn på mistænkt: X"
    reads = [(a.actor, a.allowed) for a in await audit_rows(app, "report.sensitive")]
    assert reads == [(SSP, False), (CHIEF, True)]
    assert [(a.actor, a.channel, a.allowed) for a in await audit_rows(app, "log.add")] == [
        (SSP, "api", True),
        (CHIEF, "api", True),
        (NO_ROLE, "api", False),
    ]


async def test_a_correction_names_the_entry_it_corrects(app: App) -> None:
    chief = await token_for(app, CHIEF)
    async with client(app) as http:
        nr = await activate(http, chief)
        uncited = await http.post(
            f"/api/v1/incidents/{nr}/log",
            json={"text": "Det var ved skolen", "kind": "correction"},
            headers=chief,
        )
        missing = await http.post(
            f"/api/v1/incidents/{nr}/log",
            json={"text": "Det var ved skolen", "corrects": 999},
            headers=chief,
        )
        cited = await http.post(
            f"/api/v1/incidents/{nr}/log",
            json={"text": "Det var ved skolen", "kind": "correction", "corrects": 1},
            headers=chief,
        )
        log = (await http.get(f"/api/v1/incidents/{nr}/log", headers=chief)).json()
    assert uncited.status_code == 409
    assert "names the entry it corrects" in str(uncited.json())
    assert missing.status_code == 404
    assert cited.status_code == 201
    assert (cited.json()["kind"], cited.json()["corrects"]) == ("correction", 1)
    assert [e["corrects"] for e in log if e["kind"] == "correction"] == [1]


# --- steps and tasks ------------------------------------------------------------------------


async def test_steps_and_outreach_tasks(app: App) -> None:
    chief = await token_for(app, CHIEF)
    staff = await token_for(app, STAFF)
    async with client(app) as http:
        nr = await activate(http, chief, zone=1)
        first = await http.post(
            f"/api/v1/incidents/{nr}/steps/1",
            json={"action": "done", "note": "Bestyrelsen ringet op"},
            headers=chief,
        )
        assert first.status_code == 200, first.text
        assert first.json()["status"] == "done" and first.json()["finished_by"] == CHIEF
        skipped = await http.post(
            f"/api/v1/incidents/{nr}/steps/situationsbillede",
            json={"action": "skip"},
            headers=chief,
        )
        assert skipped.json()["status"] == "skipped"
        listed = (await http.get(f"/api/v1/incidents/{nr}/steps", headers=staff)).json()
        assert [s["status"] for s in listed[:3]] == ["done", "skipped", "active"]
        twice = await http.post(
            f"/api/v1/incidents/{nr}/steps/1", json={"action": "done"}, headers=chief
        )
        assert twice.status_code == 409
        outreach = await http.post(
            f"/api/v1/incidents/{nr}/steps/opsoegende-kontakt",
            json={"action": "done"},
            headers=chief,
        )
        assert outreach.status_code == 200
        all_tasks = (await http.get(f"/api/v1/incidents/{nr}/tasks", headers=staff)).json()
        mine = [t for t in all_tasks if t["assignee"] == STAFF]
        assert mine and all(t["status"] == "assigned" for t in mine)
        number = mine[0]["number"]
        path = f"/api/v1/incidents/{nr}/tasks/{number}"
        accepted = await http.post(path, json={"action": "accept"}, headers=staff)
        again = await http.post(path, json={"action": "accept"}, headers=staff)
        done = await http.post(
            path, json={"action": "done", "outcome": "Varmemester orienteret"}, headers=staff
        )
        late = await http.post(path, json={"action": "accept"}, headers=staff)
        other = next(t for t in all_tasks if t["assignee"] != STAFF)
        not_mine = await http.post(
            f"/api/v1/incidents/{nr}/tasks/{other['number']}",
            json={"action": "accept"},
            headers=staff,
        )
    assert accepted.json()["task"]["status"] == "accepted" and accepted.json()["changed"]
    assert again.status_code == 200 and again.json()["changed"] is False
    assert done.json()["task"]["outcome"] == "Varmemester orienteret"
    assert late.status_code == 409
    assert not_mine.status_code == 403
    texts = [e.text for e in await log_of(app, nr) if e.actor in (CHIEF, STAFF)]
    assert any("Trin 1" in t and "Bestyrelsen ringet op" in t for t in texts)
    assert any(f"Opgave {number}" in t and "Varmemester orienteret" in t for t in texts)
    assert [a.channel for a in await audit_rows(app, "task.done")] == ["api"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/api/v1/incidents", "GET, POST"),
        ("OPTIONS", "/api/v1/incidents/1/log", "GET, POST"),
        ("OPTIONS", "/api/v1/incidents/1/confirmations", "GET, POST"),
        ("DELETE", "/api/v1/incidents/1", "GET, PATCH"),
        ("PUT", "/api/v1/incidents/1/steps/1", "POST"),
    ],
)
async def test_unserved_methods_are_405_with_every_method_of_the_path(
    app: App, method: str, path: str, allow: str
) -> None:
    async with client(app) as http:
        answer = await http.request(method, path, headers=await token_for(app, CHIEF))
    assert answer.status_code == 405
    assert answer.headers["allow"] == allow


async def test_the_openapi_document_declares_every_status(app: App) -> None:
    async with client(app) as http:
        document = (await http.get("/api/v1/openapi.json")).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"400", "401", "403", "404", "413", "422", "503"} <= declared, (method, path)
    incident_id = document["paths"]["/api/v1/incidents/{incident_id}"]["get"]["parameters"][0]
    assert incident_id["schema"]["maximum"] == 2**31 - 1
