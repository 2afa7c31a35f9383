"""Need to know on the web pages, the report export, the JSON API and the public page: the
police journal number and the names in an incident reach its participants and leaders only."""

from __future__ import annotations

import pytest

from beredskab.incident import activation, situation_log
from beredskab.incident.need_to_know import HIDDEN_CASE
from tests.beredskab.helpers import CHIEF, POLICE, SSP
from tests.beredskab.web.api_support import token_for
from tests.beredskab.web.site import Site

JOURNAL = "3700-80260-00123-26"
OUTSIDER = "lise-krogh"  # in the directory, signed in, no role in group 2, not asked
NOTE = "Sara Lund og Kim Holm er på stedet; sagen har journalnr. 3700-80260-00123-26"


async def _incident(site: Site) -> int:
    app = site.app
    result = await activation.activate(
        db=app.db,
        plan=app.plan,
        playbook="2",
        actor_id=POLICE,
        channel="sms",
        description="Uro ved torvet",
        police_case=JOURNAL,
    )
    nr = result.incident.id
    await situation_log.add_entry(
        db=app.db, plan=app.plan, incident_id=nr, actor_id=CHIEF, text=NOTE, channel="cli"
    )
    return nr


async def _names(site: Site, nr: int) -> list[str]:
    """The names of the people in the incident: the activator and everyone asked."""
    async with site.app.db.read() as tx:
        asked = [c.person_id for c in await tx.incidents.confirmations(nr)]
    found = []
    for pid in {POLICE, CHIEF, SSP, *asked}:
        person = site.app.plan.directory.person(pid)
        assert person is not None
        found.append(person.name)
    return found


async def _hidden(site: Site, nr: int, body: str) -> None:
    leaked = [v for v in [JOURNAL, *await _names(site, nr)] if v in body]
    assert leaked == []


@pytest.mark.parametrize("viewer", [SSP, CHIEF])
async def test_participant_and_leader_see_the_journal_number_and_names(
    site: Site, viewer: str
) -> None:
    nr = await _incident(site)
    await site.sign_in(viewer)
    page = (await site.client.get(f"/haendelse/{nr}")).text
    assert JOURNAL in page and "Kim Holm" in page and "Sara Lund" in page
    assert NOTE in page
    listing = (await site.client.get("/")).text
    assert "Kim Holm" in listing
    report = (await site.client.get(f"/haendelse/{nr}/rapport.html")).text
    assert JOURNAL in report and "Sara Lund" in report


async def test_a_signed_in_outsider_sees_neither(site: Site) -> None:
    nr = await _incident(site)
    await site.sign_in(OUTSIDER)
    answer = await site.client.get(f"/haendelse/{nr}")
    assert answer.status_code == 200
    await _hidden(site, nr, answer.text)
    assert HIDDEN_CASE in answer.text and "deltager-1" in answer.text
    assert "på stedet; sagen har journalnr. ***" in answer.text  # the note, scrubbed
    listing = await site.client.get("/")
    assert f"/haendelse/{nr}" in listing.text
    await _hidden(site, nr, listing.text)
    for fmt in ("html", "pdf"):
        report = await site.client.get(f"/haendelse/{nr}/rapport.{fmt}")
        assert report.status_code == 200
        if fmt == "html":
            await _hidden(site, nr, report.text)
    upgrade = await site.client.get(f"/haendelse/{nr}/afblaes")
    await _hidden(site, nr, upgrade.text)


async def test_the_api_follows_the_same_rule(site: Site) -> None:
    nr = await _incident(site)
    paths = [
        "/api/v1/incidents",
        f"/api/v1/incidents/{nr}",
        f"/api/v1/incidents/{nr}/confirmations",
        f"/api/v1/incidents/{nr}/log",
        f"/api/v1/incidents/{nr}/steps",
        f"/api/v1/incidents/{nr}/tasks",
        f"/api/v1/incidents/{nr}/picture",
        f"/api/v1/incidents/{nr}/communications",
        f"/api/v1/incidents/{nr}/duties",
    ]
    outsider = await token_for(site.app, OUTSIDER)
    for path in paths:
        answer = await site.client.get(path, headers=outsider)
        assert answer.status_code == 200, (path, answer.text)
        await _hidden(site, nr, answer.text)
    detail = (await site.client.get(f"/api/v1/incidents/{nr}", headers=outsider)).json()
    assert detail["incident"]["police_case"] == HIDDEN_CASE
    assert detail["incident"]["activated_by"] != POLICE
    assert {c["person_name"] for c in detail["confirmations"]} <= {
        f"deltager-{n}" for n in range(1, len(detail["confirmations"]) + 1)
    }
    for viewer in (SSP, CHIEF):
        headers = await token_for(site.app, viewer, name=viewer)
        detail = (await site.client.get(f"/api/v1/incidents/{nr}", headers=headers)).json()
        assert detail["incident"]["police_case"] == JOURNAL
        assert detail["incident"]["activated_by"] == POLICE
        log = (await site.client.get(f"/api/v1/incidents/{nr}/log", headers=headers)).text
        assert NOTE in log


async def test_the_public_page_never_shows_them(site: Site) -> None:
    nr = await _incident(site)
    public = site.browser("198.51.100.9")  # nobody signed in
    for path in ("/info", "/info/feed.atom"):
        answer = await public.client.get(path)
        assert answer.status_code == 200
        await _hidden(site, nr, answer.text)
