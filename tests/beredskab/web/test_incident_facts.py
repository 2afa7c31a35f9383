"""Correcting an incident's facts on the web (the form on the incident page, with CSRF) and
through the JSON API (PATCH /api/v1/incidents/{id}), on SQLite and PostgreSQL."""

from __future__ import annotations

import html as html_lib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from beredskab.app import App
from beredskab.incident import activation, standdown
from beredskab.models import AuditEntry, EntryKind, Incident, LogEntry
from beredskab.plan import Plan
from tests.beredskab.helpers import CHIEF, POLICE, SSP, STAFF
from tests.beredskab.web.api_support import client, service, token_for
from tests.beredskab.web.site import Site
from tests.conftest import TestClock


async def _open(app: App, playbook: str = "2", actor: str = POLICE) -> Incident:
    result = await activation.activate(
        db=app.db,
        plan=app.plan,
        playbook=playbook,
        actor_id=actor,
        channel="cli",
        description="Uro ved torvet\nFlere unge samlet",
        zone=1,
        police_case_pending=playbook in ("2", "gruppe-2"),  # the number is set afterwards
    )
    return result.incident


async def _incident(app: App, nr: int) -> Incident:
    async with app.db.transaction() as tx:
        found = await tx.incidents.get(nr)
    assert found is not None
    return found


async def _corrections(app: App, nr: int) -> list[LogEntry]:
    async with app.db.transaction() as tx:
        return [e for e in await tx.log.list(nr) if e.kind is EntryKind.CORRECTION]


async def _audit(app: App, nr: int) -> list[AuditEntry]:
    async with app.db.transaction() as tx:
        return [a for a in await tx.audit.list(incident_id=nr) if a.action == "incident.correct"]


def _section(page: str, name: str) -> str:
    start = page.index(f'<section class="card" id="{name}"')
    return page[start : page.index("</section>", start)]


# --- web ------------------------------------------------------------------------------------


async def test_the_form_corrects_the_facts_and_says_what_happened(site: Site) -> None:
    incident = await _open(site.app)
    nr, page = incident.id, f"/haendelse/{incident.id}"
    await site.sign_in(CHIEF)
    shown = (await site.client.get(page)).text
    status = _section(shown, "status")
    assert "journalnr. mangler" in status
    assert status.count("Uro ved torvet") == 1 and "Flere unge samlet" in status
    form = _section(shown, "oplysninger")
    assert "<details open>" in form  # the journal number is missing: the form is open
    assert f'action="{page}/oplysninger"' in form and 'name="csrf"' in form
    assert '<option value="1" selected>' in form
    token = await site.csrf(page)
    # A browser sends every field, CRLF in the textarea; only what differs changes.
    answer = await site.client.post(
        f"{page}/oplysninger",
        data={
            "csrf": token,
            "journalnr": "3700-80260-00123-26",
            "zone": "1",
            "beskrivelse": "Uro ved torvet\r\nFlere unge samlet",
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{page}?ok=facts_changed#oplysninger"
    stored = await _incident(site.app, nr)
    assert (stored.police_case, stored.zone) == ("3700-80260-00123-26", 1)
    [entry] = await _corrections(site.app, nr)
    assert entry.actor == CHIEF and "via web" in entry.text and "3700-80260-00123-26" in entry.text
    after = (await site.client.get(answer.headers["location"])).text
    assert "Oplysningerne er rettet" in after
    assert "3700-80260-00123-26" in _section(after, "status")
    assert "<details open>" not in _section(after, "oplysninger")
    same = await site.client.post(
        f"{page}/oplysninger", data={"csrf": token, "zone": "1", "journalnr": ""}
    )
    assert same.headers["location"] == f"{page}?ok=facts_unchanged#oplysninger"
    bad = await site.client.post(f"{page}/oplysninger", data={"csrf": token, "zone": "9"})
    assert bad.headers["location"] == f"{page}?fejl=bad_facts#oplysninger"
    word = await site.client.post(f"{page}/oplysninger", data={"csrf": token, "zone": "to"})
    assert word.headers["location"] == f"{page}?fejl=bad_zone#oplysninger"
    assert "Zonen skal være 1-4" in (await site.client.get(word.headers["location"])).text
    assert len(await _corrections(site.app, nr)) == 1


async def test_the_form_needs_csrf_and_the_right_role(site: Site) -> None:
    incident = await _open(site.app)
    nr, page = incident.id, f"/haendelse/{incident.id}"
    await site.sign_in(SSP)
    assert 'id="oplysninger"' not in (await site.client.get(page)).text
    for data in ({"zone": "2"}, {"zone": "2", "csrf": "forged"}):
        answer = await site.client.post(f"{page}/oplysninger", data=data)
        assert answer.status_code == 403
    token = await site.csrf(page)
    refused = await site.client.post(f"{page}/oplysninger", data={"csrf": token, "zone": "2"})
    assert refused.headers["location"] == f"{page}?fejl=refused_action#oplysninger"
    assert (await _incident(site.app, nr)).zone == 1
    assert [(a.actor, a.allowed) for a in await _audit(site.app, nr)] == [(SSP, False)]


async def test_group_1_has_no_journal_field_and_refuses_a_number(site: Site) -> None:
    incident = await _open(site.app, playbook="1", actor=CHIEF)
    page = f"/haendelse/{incident.id}"
    await site.sign_in(STAFF)
    shown = (await site.client.get(page)).text
    assert 'name="journalnr"' not in _section(shown, "oplysninger")
    assert "journalnr. mangler" not in shown
    token = await site.csrf(page)
    answer = await site.client.post(
        f"{page}/oplysninger", data={"csrf": token, "journalnr": "3700-1"}
    )
    assert answer.headers["location"] == f"{page}?fejl=no_police_case#oplysninger"
    explained = (await site.client.get(answer.headers["location"])).text
    assert "Opgradér til gruppe 2" in html_lib.unescape(explained)


# --- API ------------------------------------------------------------------------------------


@pytest.fixture
async def app(db_url: str, clock: TestClock, plan: Plan, tmp_path: Path) -> AsyncIterator[App]:
    async with service(db_url, clock, plan, tmp_path) as built:
        yield built


async def test_patch_corrects_and_answers_the_updated_incident(app: App) -> None:
    incident = await _open(app)
    nr = incident.id
    police = await token_for(app, POLICE)
    async with client(app) as http:
        answer = await http.patch(
            f"/api/v1/incidents/{nr}",
            json={"police_case": "3700-55", "zone": 3, "description": "Skud ved torvet"},
            headers=police,
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["changed"] == ["police_case", "zone", "description"]
        assert body["incident"]["police_case"] == "3700-55" and body["incident"]["zone"] == 3
        assert body["incident"]["title"] == "Skud ved torvet"
        again = await http.patch(f"/api/v1/incidents/{nr}", json={"zone": 3}, headers=police)
        assert again.status_code == 200 and again.json()["changed"] == []
        null = await http.patch(
            f"/api/v1/incidents/{nr}", json={"zone": None, "police_case": "3700-56"}, headers=police
        )
        assert null.json()["changed"] == ["police_case"] and null.json()["incident"]["zone"] == 3
        got = (await http.get(f"/api/v1/incidents/{nr}", headers=police)).json()
        assert got["incident"]["police_case"] == "3700-56"
    assert [e.actor for e in await _corrections(app, nr)] == [POLICE] * 4
    assert [a.channel for a in await _audit(app, nr)] == ["api", "api"]


async def test_patch_errors_are_detail_with_the_right_status(app: App) -> None:
    incident = await _open(app)
    group_1 = await _open(app, playbook="1", actor=CHIEF)
    chief, ssp = await token_for(app, CHIEF), await token_for(app, SSP, "ssp")
    async with client(app) as http:

        async def patch(
            nr: int, body: object, headers: dict[str, str] = chief
        ) -> tuple[int, object]:
            answer = await http.patch(f"/api/v1/incidents/{nr}", json=body, headers=headers)
            return answer.status_code, answer.json()["detail"]

        status, detail = await patch(incident.id, {"zone": 2}, ssp)
        assert status == 403 and "allowed roles" in str(detail)
        status, detail = await patch(group_1.id, {"police_case": "3700-1"})
        assert status == 409 and "upgrade the incident to gruppe-2" in str(detail)
        assert (await patch(999, {"zone": 2}))[0] == 404
        empty = await http.patch(f"/api/v1/incidents/{incident.id}", json={}, headers=chief)
        assert empty.status_code == 200 and empty.json()["changed"] == []
        assert (await patch(incident.id, {}, ssp))[0] == 403
        assert (await patch(incident.id, {"zone": 7}))[0] == 422
        assert (await patch(incident.id, {"zone": "2"}))[0] == 422
        assert (await patch(incident.id, {"police_case": "x" * 65}))[0] == 422
        assert (await patch(incident.id, {"description": " "}))[0] == 422
        assert (await patch(incident.id, {"title": "x"}))[0] == 422
        await standdown.close(
            db=app.db, plan=app.plan, incident_id=incident.id, actor_id=CHIEF, channel="cli"
        )
        status, detail = await patch(incident.id, {"zone": 2})
        assert status == 409 and "closed" in str(detail)
        no_token = await http.patch(f"/api/v1/incidents/{incident.id}", json={"zone": 2})
        assert no_token.status_code == 401
        document = (await http.get("/api/v1/openapi.json")).json()
    operation = document["paths"]["/api/v1/incidents/{incident_id}"]["patch"]
    assert {"200", "403", "404", "409", "422"} <= set(operation["responses"])
    schema = document["components"]["schemas"]["FactsIn"]
    assert set(schema["properties"]) == {"police_case", "zone", "description"}
