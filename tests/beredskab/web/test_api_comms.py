"""The JSON API's crisis communications: each with its languages side by side and the
composer's warnings (missing, older than the Danish text, too many SMS segments)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from beredskab import communications
from beredskab.app import App
from playbooks.schema import TemplateKind
from tests.beredskab.helpers import CHIEF, STAFF
from tests.beredskab.language_plan import plan_with_languages
from tests.beredskab.web.api_support import client, service, token_for
from tests.conftest import TestClock


@pytest.fixture
async def app(db_url: str, clock: TestClock, tmp_path: Path) -> AsyncIterator[App]:
    async with service(db_url, clock, plan_with_languages(tmp_path), tmp_path) as built:
        yield built


async def test_communications_come_with_their_languages_and_warnings(app: App) -> None:
    chief, staff = await token_for(app, CHIEF), await token_for(app, STAFF)
    async with client(app) as http:
        opened = await http.post(
            "/api/v1/incidents", json={"playbook": "gruppe-1", "zone": 1}, headers=chief
        )
        nr = int(opened.json()["incident"]["id"])
        assert (
            await http.get(f"/api/v1/incidents/{nr}/communications", headers=staff)
        ).json() == []
    item = await communications.draft(
        db=app.db,
        plan=app.plan,
        incident_id=nr,
        actor_id=STAFF,
        channel="api",
        audience="partners",
        template=TemplateKind.RESIDENT_INFORMATION,
    )
    async with client(app) as http:
        [listed] = (await http.get(f"/api/v1/incidents/{nr}/communications", headers=staff)).json()
    assert listed["id"] == item.id and listed["status"] == "draft"
    languages = {entry["language"]: entry for entry in listed["languages"]}
    assert list(languages) == ["da", "en", "ar", "so", "tr", "ur", "uk", "ti"]
    assert (listed["missing"], listed["older"], listed["too_long"]) == (["ti"], [], [])
    arabic = languages["ar"]
    assert (arabic["state"], arabic["rtl"], arabic["encoding"]) == ("current", True, "UCS-2")
    assert arabic["segments"] > 1 and arabic["subject"].startswith("معلومات للسكان")
    assert (languages["so"]["encoding"], languages["so"]["rtl"]) == ("GSM-7", False)
    assert languages["ti"] == {
        "language": "ti",
        "name": "tigrinya",
        "rtl": False,
        "state": "missing",
        "subject": "",
        "text": "",
        "encoding": None,
        "segments": None,
        "too_long": False,
    }
    await communications.edit(
        db=app.db,
        plan=app.plan,
        incident_id=nr,
        communication_id=item.id,
        actor_id=STAFF,
        channel="api",
        subject=item.subject,
        text=item.text + "\n\nMødested: Infohuset.",
    )
    async with client(app) as http:
        [listed] = (await http.get(f"/api/v1/incidents/{nr}/communications", headers=staff)).json()
        missing = await http.get("/api/v1/incidents/999/communications", headers=staff)
    assert listed["older"] == ["en", "ar", "so", "tr", "ur", "uk"]
    assert missing.status_code == 404
