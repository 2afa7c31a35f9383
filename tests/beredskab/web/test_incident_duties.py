"""The duty checklist on the incident page (for the leader only) and in the JSON API."""

from __future__ import annotations

import html as markup
from pathlib import Path

from beredskab.incident import activation, standdown
from beredskab.models import EntryKind
from beredskab.plan import Plan
from tests.beredskab.helpers import CHIEF, SSP, STAFF
from tests.beredskab.web.api_support import audit_rows, client, log_of, service, token_for
from tests.beredskab.web.site import Site
from tests.beredskab.web.test_incident_page import _activate, _post, section
from tests.conftest import TestClock


def _first_duty(plan: Plan) -> str:
    playbook = plan.playbook("1")
    assert playbook is not None
    return playbook.duties[1].id


async def test_the_leader_ticks_a_duty_on_the_page_and_unticks_it(site: Site) -> None:
    nr = await _activate(site)
    duty = _first_duty(site.app.plan)
    await site.sign_in(CHIEF)
    page = f"/haendelse/{nr}"
    board = section((await site.client.get(page)).text, "pligter")
    assert "0 af " in board and " klaret." in board
    assert f'data-duty="{duty}" data-done="nej"' in board
    answer = await _post(site, f"{page}/pligt/{duty}", {"done": "1"}, page=page)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{page}?ok=duty_ticked#pligter"
    text = (await site.client.get(answer.headers["location"])).text
    assert "Pligten er afkrydset." in text
    board = section(text, "pligter")
    assert f'data-duty="{duty}" data-done="ja"' in board
    assert "Klaret" in board and "af Maria Friis" in board
    assert "Pligt afkrydset" in markup.unescape(section(text, "log"))
    # The live fragments carry the same board.
    parts = (await site.client.get(f"{page}/dele")).text
    assert f'data-duty="{duty}" data-done="ja"' in parts

    answer = await _post(site, f"{page}/pligt/{duty}", {"done": "0"}, page=page)
    assert answer.headers["location"] == f"{page}?ok=duty_unticked#pligter"
    board = section((await site.client.get(page)).text, "pligter")
    assert f'data-duty="{duty}" data-done="nej"' in board
    async with site.app.db.transaction() as tx:
        kinds = [e.kind for e in await tx.log.list(nr)]
    assert kinds.count(EntryKind.DUTY) == 2


async def test_others_see_no_checklist_and_are_refused(site: Site) -> None:
    nr = await _activate(site)
    duty = _first_duty(site.app.plan)
    await site.sign_in(STAFF)
    page = f"/haendelse/{nr}"
    assert 'id="pligter"' not in (await site.client.get(page)).text
    answer = await _post(site, f"{page}/pligt/{duty}", {"done": "1"}, page=page)
    assert answer.headers["location"] == f"{page}?fejl=refused_action#pligter"
    missing = await _post(site, f"{page}/pligt/ingen-pligt", {"done": "1"}, page=page)
    assert missing.headers["location"] == f"{page}?fejl=missing_item#pligter"


async def test_a_closed_incident_shows_the_checklist_without_buttons(site: Site) -> None:
    nr = await _activate(site)
    duty = _first_duty(site.app.plan)
    await site.sign_in(CHIEF)
    page = f"/haendelse/{nr}"
    await _post(site, f"{page}/pligt/{duty}", {"done": "1"}, page=page)
    await standdown.close(
        db=site.app.db, plan=site.app.plan, incident_id=nr, actor_id=CHIEF, channel="cli"
    )
    board = section((await site.client.get(page)).text, "pligter")
    assert f'data-duty="{duty}" data-done="ja"' in board and "<form" not in board


async def test_the_api_lists_and_sets_duties(
    db_url: str, clock: TestClock, plan: Plan, tmp_path: Path
) -> None:
    async with service(db_url, clock, plan, tmp_path) as app, client(app) as http:
        nr = (
            await activation.activate(
                db=app.db, plan=app.plan, playbook="1", actor_id=CHIEF, channel="cli"
            )
        ).incident.id
        duty = _first_duty(app.plan)
        chief = await token_for(app, CHIEF)
        listed = await http.get(f"/api/v1/incidents/{nr}/duties", headers=chief)
        assert listed.status_code == 200
        assert [d["done"] for d in listed.json()] == [False] * len(listed.json())
        url = f"/api/v1/incidents/{nr}/duties/{duty}"
        ticked = await http.post(url, headers=chief, json={"done": True})
        assert ticked.status_code == 200, ticked.text
        body = ticked.json()
        assert body["changed"] is True and body["duty"]["done"] is True
        assert body["duty"]["by"] == CHIEF and body["duty"]["id"] == duty
        again = await http.post(url, headers=chief, json={"done": True})
        assert again.json()["changed"] is False
        assert [e.kind for e in await log_of(app, nr)].count(EntryKind.DUTY) == 1

        ssp = await token_for(app, SSP, name="ssp")
        refused = await http.post(url, headers=ssp, json={"done": False})
        assert refused.status_code == 403
        assert [(a.actor, a.allowed) for a in await audit_rows(app, "duty.untick")] == [
            (SSP, False)
        ]
        unknown = await http.post(
            f"/api/v1/incidents/{nr}/duties/ingen", headers=chief, json={"done": True}
        )
        assert unknown.status_code == 404 and duty in unknown.json()["detail"]
        for bad in ({"done": "ja"}, {}, {"done": True, "x": 1}):
            assert (await http.post(url, headers=chief, json=bad)).status_code == 422
        long = await http.post(f"{url}{'x' * 100}", headers=chief, json={"done": True})
        assert long.status_code == 422
        assert (await http.post(url, json={"done": True})).status_code == 401
        missing = await http.get("/api/v1/incidents/999/duties", headers=chief)
        assert missing.status_code == 404
