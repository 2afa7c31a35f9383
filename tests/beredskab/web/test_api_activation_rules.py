"""The activation rules through the JSON API: drills vs real incidents, the police case and
upgrades, each answer saying what was opened or joined."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from beredskab.app import App
from beredskab.plan import Plan
from tests.beredskab.helpers import CHIEF, POLICE, SSP, deliveries
from tests.beredskab.web.api_support import client, log_of, service, token_for
from tests.conftest import TestClock


@pytest.fixture
async def app(db_url: str, clock: TestClock, plan: Plan, tmp_path: Path) -> AsyncIterator[App]:
    async with service(db_url, clock, plan, tmp_path) as built:
        yield built


async def test_a_real_activation_halts_the_drill_and_a_drill_cannot_join_it(app: App) -> None:
    chief = await token_for(app, CHIEF)
    police = await token_for(app, POLICE)
    async with client(app) as http:
        drill = await http.post(
            "/api/v1/incidents",
            json={"playbook": "2", "drill": True, "description": "øvelse"},
            headers=chief,
        )
        assert drill.status_code == 201, drill.text
        drill_nr = drill.json()["incident"]["id"]
        real = await http.post(
            "/api/v1/incidents",
            json={"playbook": "2", "drill": False, "police_case": "3700-55", "description": "x"},
            headers=police,
        )
        assert real.status_code == 201, real.text
        body = real.json()
        assert body["joined"] is False and body["incident"]["drill"] is False
        assert body["incident"]["id"] != drill_nr and body["halted_drill"] == drill_nr
        assert "ikke øvelse" in body["message"] and "afbrudt" in body["message"]
        again = await http.post(
            "/api/v1/incidents", json={"playbook": "2", "drill": True}, headers=chief
        )
        closed = await http.get(f"/api/v1/incidents/{drill_nr}", headers=chief)
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"incident {body['incident']['id']} (Beredskabsgruppe 2) is running; "
        "a drill cannot be started now"
    )
    assert closed.json()["incident"]["status"] == "closed"
    halted = [d for d in await deliveries(app.db, drill_nr) if "AFBRUDT" in d.text]
    assert SSP in {d.person_id for d in halted}
    assert any("ØVELSE AFBRUDT" in e.text for e in await log_of(app, drill_nr))


async def test_the_police_case_through_the_api(app: App) -> None:
    police = await token_for(app, POLICE)
    chief = await token_for(app, CHIEF)
    async with client(app) as http:
        missing = await http.post("/api/v1/incidents", json={"playbook": "2"}, headers=police)
        group1 = await http.post(
            "/api/v1/incidents", json={"playbook": "1", "police_case": "3700-1"}, headers=chief
        )
        pending = await http.post(
            "/api/v1/incidents",
            json={"playbook": "2", "police_case_pending": True},
            headers=police,
        )
        nr = pending.json()["incident"]["id"]
        joined = await http.post(
            "/api/v1/incidents", json={"playbook": "2", "police_case": "3700-8"}, headers=chief
        )
    assert missing.status_code == 409 and "police_case_pending" in missing.json()["detail"]
    assert group1.status_code == 409 and "upgrade" in group1.json()["detail"]
    assert pending.status_code == 201 and pending.json()["police_case_missing"] is True
    assert joined.status_code == 200 and joined.json()["joined"] is True
    assert joined.json()["incident"]["police_case"] == "3700-8"
    assert joined.json()["police_case_missing"] is False
    assert any(e.kind == "correction" and "3700-8" in e.text for e in await log_of(app, nr))


async def test_an_upgrade_through_the_api_needs_the_number_and_names_who_was_asked(
    app: App,
) -> None:
    chief = await token_for(app, CHIEF)
    async with client(app) as http:
        opened = await http.post(
            "/api/v1/incidents", json={"playbook": "1", "description": "uro"}, headers=chief
        )
        nr = opened.json()["incident"]["id"]
        refused = await http.post(
            f"/api/v1/incidents/{nr}/upgrade", json={"playbook": "2"}, headers=chief
        )
        up = await http.post(
            f"/api/v1/incidents/{nr}/upgrade",
            json={"playbook": "2", "police_case_pending": True},
            headers=chief,
        )
    assert refused.status_code == 409
    assert up.status_code == 200, up.text
    assert up.json()["police_case_missing"] is True
    assert {"Kim Holm", "Sara Lund"} <= set(up.json()["asked"])
    assert "Beredskabsgruppe 2" in up.json()["message"]
