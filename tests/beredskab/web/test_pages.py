"""The incident list and the activation form with its confirmation step."""

from __future__ import annotations

from beredskab.incident import activation, standdown
from tests.beredskab.helpers import CHIEF, POLICE, STAFF
from tests.beredskab.web.site import Site


async def _incidents(site: Site) -> list[tuple[str, bool, bool]]:
    async with site.app.db.transaction() as tx:
        return [(i.playbook_id, i.drill, i.status == "active") for i in await tx.incidents.recent()]


async def test_the_list_shows_open_and_closed_incidents_with_drills_marked(site: Site) -> None:
    opened = await activation.activate(
        db=site.app.db,
        plan=site.app.plan,
        playbook="1",
        actor_id=CHIEF,
        channel="cli",
        description="Brand i kælder",
        drill=True,
    )
    closed = await activation.activate(
        db=site.app.db,
        plan=site.app.plan,
        playbook="2",
        actor_id=POLICE,
        channel="cli",
        description="Skud ved Korskærparken",
        police_case="3700-1",
    )
    await standdown.close(
        db=site.app.db,
        plan=site.app.plan,
        incident_id=closed.incident.id,
        actor_id=CHIEF,
        channel="cli",
    )
    await site.sign_in(STAFF)
    page = (await site.client.get("/")).text
    open_part, closed_part = page.split("Seneste afsluttede")
    assert f'href="/haendelse/{opened.incident.id}"' in open_part
    assert "ØVELSE" in open_part and "Brand i kælder" in open_part
    assert f'href="/haendelse/{closed.incident.id}"' in closed_part
    assert "Skud ved Korskærparken" in closed_part
    # Staff may not activate: no button.
    assert 'href="/aktiver"' not in page.split("</header>")[1]


async def test_not_signed_in_is_sent_to_sign_in_and_back(site: Site) -> None:
    answer = await site.client.get("/aktiver?drill=1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/aktiver%3Fdrill%3D1"


async def test_the_chief_activates_a_drill_after_a_confirmation_step(site: Site) -> None:
    await site.sign_in(CHIEF)
    form = await site.client.get("/aktiver")
    assert "beredskabsgruppe 1" in form.text.lower() and 'name="csrf"' in form.text
    fields = {
        "csrf": await site.csrf("/aktiver"),
        "playbook": "gruppe-1",
        "description": "Uro ved Bygaden",
        "zone": "2",
        "police_case": "",
        "drill": "1",
    }
    review = await site.client.post("/aktiver", data=fields)
    assert review.status_code == 200
    assert "Start øvelsen" in review.text and "Uro ved Bygaden" in review.text
    assert await _incidents(site) == []  # nothing happens before the confirmation
    done = await site.client.post("/aktiver/bekraeft", data=fields)
    assert done.status_code == 303
    assert done.headers["location"].startswith("/haendelse/")
    assert done.headers["location"].endswith("?ok=opened_drill")
    page = (await site.client.get(done.headers["location"])).text
    assert "Du har startet en ØVELSE" in page
    assert await _incidents(site) == [("gruppe-1", True, True)]
    # The same confirmation posted again joins the open incident instead of opening another.
    again = await site.client.post("/aktiver/bekraeft", data=fields)
    assert again.headers["location"].endswith("?ok=joined_drill")
    assert await _incidents(site) == [("gruppe-1", True, True)]


async def test_group_2_needs_the_police_journal_number(site: Site) -> None:
    await site.sign_in(CHIEF)
    fields = {
        "csrf": await site.csrf("/aktiver"),
        "playbook": "gruppe-2",
        "description": "Skud",
        "zone": "",
    }
    answer = await site.client.post("/aktiver", data=fields)
    assert answer.status_code == 400
    assert "Skriv politiets journalnummer, eller sæt kryds i «kommer senere»." in answer.text
    # the confirmation step refuses it too (the use case's rule), whatever the review said
    direct = await site.client.post("/aktiver/bekraeft", data=fields)
    assert direct.status_code == 400 and "Skriv politiets journalnummer" in direct.text
    assert await _incidents(site) == []
    group1 = {**fields, "playbook": "gruppe-1", "police_case": "3700-1"}
    answer = await site.client.post("/aktiver/bekraeft", data=group1)
    assert answer.status_code == 400 and "Gruppe 1 har ingen politisag" in answer.text
    assert await _incidents(site) == []
    pending = {**fields, "police_case_pending": "1"}
    review = await site.client.post("/aktiver", data=pending)
    assert review.status_code == 200 and "kommer senere" in review.text
    done = await site.client.post("/aktiver/bekraeft", data=pending)
    assert done.headers["location"].endswith("?ok=opened_pending")
    page = (await site.client.get(done.headers["location"])).text
    assert "journalnr. mangler" in page
    assert await _incidents(site) == [("gruppe-2", False, True)]


async def test_a_real_activation_on_the_web_halts_the_drill(site: Site) -> None:
    drill = await activation.activate(
        db=site.app.db,
        plan=site.app.plan,
        playbook="2",
        actor_id=CHIEF,
        channel="cli",
        drill=True,
    )
    await site.sign_in(POLICE)
    fields = {
        "csrf": await site.csrf("/aktiver"),
        "playbook": "gruppe-2",
        "description": "RIGTIG",
        "zone": "",
        "police_case": "3700-55",
    }
    review = await site.client.post("/aktiver", data=fields)
    assert review.status_code == 200
    assert f"Øvelse {drill.incident.id} af samme gruppe er åben. Den afbrydes" in review.text
    done = await site.client.post("/aktiver/bekraeft", data=fields)
    assert done.headers["location"].endswith("?ok=opened_halted")
    assert sorted(await _incidents(site)) == [("gruppe-2", False, True), ("gruppe-2", True, False)]
    page = (await site.client.get(done.headers["location"])).text
    assert "Den åbne øvelse er afbrudt" in page


async def test_a_drill_on_the_web_is_refused_while_a_real_incident_runs(site: Site) -> None:
    real = await activation.activate(
        db=site.app.db, plan=site.app.plan, playbook="1", actor_id=CHIEF, channel="cli"
    )
    await site.sign_in(CHIEF)
    fields = {
        "csrf": await site.csrf("/aktiver"),
        "playbook": "gruppe-1",
        "description": "øvelse",
        "zone": "",
        "drill": "1",
    }
    text = f"Hændelse {real.incident.id} (Beredskabsgruppe 1) er i gang; en øvelse kan ikke"
    review = await site.client.post("/aktiver", data=fields)
    assert review.status_code == 409 and text in review.text
    direct = await site.client.post("/aktiver/bekraeft", data=fields)
    assert direct.status_code == 409 and text in direct.text
    assert await _incidents(site) == [("gruppe-1", False, True)]


async def test_a_person_without_the_role_cannot_activate(site: Site) -> None:
    await site.sign_in(STAFF)
    form = await site.client.get("/aktiver")
    assert form.status_code == 403
    assert "Du kan ikke aktivere nogen beredskabsgruppe." in form.text
    fields = {
        "csrf": await site.csrf("/"),
        "playbook": "gruppe-1",
        "description": "Uro",
        "zone": "",
    }
    assert (await site.client.post("/aktiver/bekraeft", data=fields)).status_code == 400
    assert await _incidents(site) == []


async def test_a_form_without_the_csrf_token_changes_nothing(site: Site) -> None:
    await site.sign_in(CHIEF)
    fields = {"playbook": "gruppe-1", "description": "Uro", "zone": ""}
    answer = await site.client.post("/aktiver/bekraeft", data=fields)
    assert answer.status_code == 403
    assert await _incidents(site) == []


async def test_the_pages_switch_to_english(site: Site) -> None:
    await site.sign_in(CHIEF)
    csrf = await site.csrf("/")
    answer = await site.client.post(
        "/sprog", data={"lang": "en", "csrf": csrf}, headers={"referer": site.base + "/aktiver"}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/aktiver"
    page = (await site.client.get("/aktiver")).text
    assert "Activate the plan" in page and '<html lang="en">' in page
