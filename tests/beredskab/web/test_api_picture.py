"""The situation picture through the JSON API: read, save on top of a version, 409 for a
stale version, sensitive text withheld unless the chief asks (audited), briefing drafts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from beredskab.app import App
from beredskab.models import EntryKind
from beredskab.plan import Plan
from tests.beredskab.helpers import CHIEF, SSP, STAFF
from tests.beredskab.incident.test_picture import SENSITIVE, incident
from tests.beredskab.web.api_support import audit_rows, client, log_of, service, token_for
from tests.conftest import TestClock

NO_ROLE = "lise-krogh"


@pytest.fixture
async def app(db_url: str, clock: TestClock, plan: Plan, tmp_path: Path) -> AsyncIterator[App]:
    async with service(db_url, clock, plan, tmp_path) as built:
        yield built


async def test_read_save_and_a_stale_version_is_409(app: App) -> None:
    nr = await incident(app.db, app.plan)
    ssp, chief = await token_for(app, SSP), await token_for(app, CHIEF, "chief")
    url = f"/api/v1/incidents/{nr}/picture"
    async with client(app) as http:
        empty = (await http.get(url, headers=ssp)).json()
        assert empty["version"] == 0 and len(empty["headings"]) == 9
        assert empty["headings"][0] == {
            "number": 1,
            "heading": "Hvad er sket?",
            "text": "",
            "sensitive": False,
            "withheld": False,
            "version": None,
            "author": None,
            "via": None,
            "updated_at": None,
        }
        body = {"version": 0.0, "headings": [{"heading": "1", "text": "Brand i kælder"}]}
        saved = await http.put(url, json=body, headers=ssp)
        assert saved.status_code == 200, saved.text
        assert saved.json()["version"] == 1
        assert saved.json()["revisions"] == [
            {
                "version": 1,
                "author": SSP,
                "via": "api",
                "created_at": saved.json()["revisions"][0]["created_at"],
                "headings": ["Hvad er sket?"],
            }
        ]
        stale = await http.put(
            url, json={**body, "headings": [{"heading": "1", "text": "Anden"}]}, headers=chief
        )
        assert stale.status_code == 409
        assert "Sara Lund" in stale.json()["detail"] and "version 1" in stale.json()["detail"]
        same = await http.put(url, json={**body, "version": 1}, headers=chief)
        assert same.status_code == 409 and "nothing changed" in same.json()["detail"]
        assert (await http.get(url, headers=chief)).json()["headings"][0][
            "text"
        ] == "Brand i kælder"
    assert [e.kind for e in await log_of(app, nr)].count(EntryKind.PICTURE) == 1


async def test_sensitive_text_only_for_the_chief_who_asks(app: App) -> None:
    nr = await incident(app.db, app.plan)
    ssp, chief = await token_for(app, SSP), await token_for(app, CHIEF, "chief")
    url = f"/api/v1/incidents/{nr}/picture"
    body = {
        "version": 0,
        "headings": [
            {"heading": SENSITIVE, "text": "Navn på offer"},
            {"heading": "Hvem", "text": "Familien i nr. 5", "sensitive": True},
        ],
    }
    async with client(app) as http:
        saved = await http.put(url, json=body, headers=chief)
        assert saved.status_code == 200 and "Navn på offer" not in saved.text
        plain = (await http.get(url, headers=chief)).json()
        assert [h["withheld"] for h in plain["headings"]][2:7:4] == [True, True]
        refused = await http.get(url, params={"include_sensitive": "true"}, headers=ssp)
        assert refused.status_code == 403
        shown = await http.get(url, params={"include_sensitive": "true"}, headers=chief)
        assert shown.status_code == 200 and "Navn på offer" in shown.text
    reads = await audit_rows(app, "report.sensitive")
    assert [(r.actor, r.allowed) for r in reads] == [(SSP, False), (CHIEF, True)]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"version": 0, "headings": []}, 422),
        ({"version": -1, "headings": [{"heading": "1", "text": "x"}]}, 422),
        ({"version": 0, "headings": [{"heading": "1", "text": "x" * 4001}]}, 422),
        ({"version": 0, "headings": [{"heading": "1", "text": "a\u0000b"}]}, 422),
        ({"version": 0, "headings": [{"heading": "99", "text": "x"}]}, 404),
        ({"version": "0", "headings": [{"heading": "1", "text": "x"}]}, 422),
        ({"version": 0, "headings": [{"heading": "1", "text": "x", "extra": 1}]}, 422),
    ],
)
async def test_malformed_saves_are_refused_and_change_nothing(
    app: App, body: dict[str, object], status: int
) -> None:
    nr = await incident(app.db, app.plan)
    ssp = await token_for(app, SSP)
    async with client(app) as http:
        answer = await http.put(f"/api/v1/incidents/{nr}/picture", json=body, headers=ssp)
        assert answer.status_code == status, answer.text
        assert "detail" in answer.json()
        after = (await http.get(f"/api/v1/incidents/{nr}/picture", headers=ssp)).json()
    assert after["version"] == 0


async def test_outsiders_are_403_and_audited_and_unknown_incidents_404(app: App) -> None:
    nr = await incident(app.db, app.plan)
    outsider = await token_for(app, NO_ROLE)
    body = {"version": 0, "headings": [{"heading": "1", "text": "Udefra"}]}
    async with client(app) as http:
        refused = await http.put(f"/api/v1/incidents/{nr}/picture", json=body, headers=outsider)
        assert refused.status_code == 403
        missing = await http.get("/api/v1/incidents/999/picture", headers=outsider)
        assert missing.status_code == 404 and "detail" in missing.json()
    rows = await audit_rows(app, "picture.revise")
    assert [(r.actor, r.allowed) for r in rows] == [(NO_ROLE, False)]


async def test_a_briefing_draft_leaves_out_sensitive_headings(app: App) -> None:
    nr = await incident(app.db, app.plan)
    chief, staff = await token_for(app, CHIEF, "chief"), await token_for(app, STAFF)
    async with client(app) as http:
        early = await http.post(
            f"/api/v1/incidents/{nr}/picture/briefing", json={"audience": "board"}, headers=staff
        )
        assert early.status_code == 409
        body = {
            "version": 0,
            "headings": [
                {"heading": "1", "text": "Brand i kælder"},
                {"heading": SENSITIVE, "text": "Navn på offer"},
            ],
        }
        assert (
            await http.put(f"/api/v1/incidents/{nr}/picture", json=body, headers=chief)
        ).status_code == 200
        drafted = await http.post(
            f"/api/v1/incidents/{nr}/picture/briefing",
            json={"audience": "partners"},
            headers=staff,
        )
        assert drafted.status_code == 201, drafted.text
        item = drafted.json()
        assert item["status"] == "draft" and item["audience"] == "partners"
        assert "Brand i kælder" in item["text"] and "Navn på offer" not in item["text"]
        bad = await http.post(
            f"/api/v1/incidents/{nr}/picture/briefing", json={"audience": "press"}, headers=staff
        )
        assert bad.status_code == 422
