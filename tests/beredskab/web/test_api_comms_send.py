"""Composing, approving and sending a crisis communication to chosen audiences through the
JSON API; the use case's rules answer with clear errors and lose nothing (SQLite and
PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from beredskab.app import App
from beredskab.plan import Plan
from beredskab.residents import subscriptions
from tests.beredskab.helpers import CHIEF, STAFF, deliveries, log_texts
from tests.beredskab.web.api_support import client, service, token_for
from tests.conftest import TestClock


@pytest.fixture
async def app(db_url: str, clock: TestClock, plan: Plan, tmp_path: Path) -> AsyncIterator[App]:
    async with service(db_url, clock, plan, tmp_path) as built:
        yield built


async def test_draft_approve_and_send_to_residents_and_institutions(app: App) -> None:
    async with app.db.transaction() as tx:
        await subscriptions.subscribe(
            tx, phone="+4520996001", zone=2, language="so", channel=subscriptions.WEB
        )
    chief, staff = await token_for(app, CHIEF), await token_for(app, STAFF)
    async with client(app) as http:
        opened = await http.post(
            "/api/v1/incidents", json={"playbook": "gruppe-1", "zone": 2}, headers=chief
        )
        nr = int(opened.json()["incident"]["id"])
        base = f"/api/v1/incidents/{nr}/communications"
        drafted = await http.post(
            base, json={"audiences": ["institutions", "residents"]}, headers=staff
        )
        assert drafted.status_code == 201, drafted.text
        item = drafted.json()
        assert (item["audience"], item["template"], item["status"]) == (
            "residents,institutions",
            "resident_information",
            "draft",
        )
        edited = await http.put(
            f"{base}/{item['id']}/text",
            json={"subject": item["languages"][0]["subject"], "text": "Ny tekst til beboerne."},
            headers=staff,
        )
        assert edited.status_code == 200 and "so" in edited.json()["older"]
        refused = await http.post(f"{base}/{item['id']}/approve", headers=staff)
        assert refused.status_code == 403
        early = await http.post(f"{base}/{item['id']}/send", headers=staff)
        assert early.status_code == 409 and "only an approved one is sent" in early.text
        approved = await http.post(f"{base}/{item['id']}/approve", json={}, headers=chief)
        assert approved.json()["status"] == "approved"
        sent = await http.post(f"{base}/{item['id']}/send", headers=staff)
        assert sent.status_code == 200, sent.text
        body = sent.json()
        assert body["residents"] == 1 and body["communication"]["status"] == "sent"
        assert body["recipients"] == ["institution-skole-zone-2", "institution-sundhedshus"]
        again = await http.post(f"{base}/{item['id']}/send", headers=staff)
        assert again.status_code == 409
    rows = [d for d in await deliveries(app.db, nr) if d.template == "resident_information"]
    assert {d.address for d in rows} == {
        "+4520996001",
        "sundhedshus@example.org",
        "skole-zone-2@example.org",
    }
    resident = next(d for d in rows if d.address == "+4520996001")
    assert resident.language == "da" and resident.text.startswith("Ny tekst til beboerne.")
    assert resident.text.endswith("Si aad uga baxdo, u dir STOP.")
    assert len(rows) == 3
    log = await log_texts(app.db, nr)
    assert any("sendt til de tilmeldte beboere og institutionerne" in t for t in log)


async def test_bad_audiences_and_templates_are_refused_clearly(app: App) -> None:
    staff = await token_for(app, STAFF)
    chief = await token_for(app, CHIEF)
    async with client(app) as http:
        opened = await http.post(
            "/api/v1/incidents", json={"playbook": "gruppe-1", "zone": 2}, headers=chief
        )
        base = f"/api/v1/incidents/{opened.json()['incident']['id']}/communications"
        unknown = await http.post(base, json={"audiences": ["tv"]}, headers=staff)
        assert unknown.status_code == 404 and "choose one of: board" in unknown.text
        empty = await http.post(base, json={"audiences": []}, headers=staff)
        assert empty.status_code == 422
        template = await http.post(
            base, json={"audiences": ["press"], "template": "activation"}, headers=staff
        )
        assert template.status_code == 409 and "not a crisis-communication" in template.text
        press = await http.post(base, json={"audiences": ["press"]}, headers=staff)
        consult = await http.post(f"{base}/{press.json()['id']}/approve", headers=chief)
        assert consult.status_code == 409 and "board has been consulted" in consult.text
        listed = (await http.get(base, headers=staff)).json()
    assert [(c["audience"], c["status"]) for c in listed] == [("press", "draft")]
