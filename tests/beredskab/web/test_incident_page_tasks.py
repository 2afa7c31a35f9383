"""The incident page for the chief's work: give a task, finish it only with an outcome,
convene TOT or Lokalråd; others see no such forms and are refused (audited) if they post."""

from __future__ import annotations

from httpx import Response

from beredskab.incident import activation
from beredskab.models import TaskStatus
from tests.beredskab.helpers import CHIEF, SSP, STAFF, deliveries
from tests.beredskab.web.site import Site


async def _activate(site: Site) -> int:
    result = await activation.activate(
        db=site.app.db, plan=site.app.plan, playbook="1", actor_id=CHIEF, channel="cli", zone=1
    )
    return result.incident.id


def section(html: str, name: str) -> str:
    start = html.index(f'<section class="card" id="{name}"')
    return html[start : html.index("</section>", start)]


async def _post(site: Site, path: str, data: dict[str, str], *, page: str) -> Response:
    token = await site.csrf(page)
    return await site.client.post(path, data={"csrf": token, **data})


async def test_the_chief_gives_a_task_and_the_assignee_finishes_it_with_an_outcome(
    site: Site,
) -> None:
    nr = await _activate(site)
    page = f"/haendelse/{nr}"
    await site.sign_in(CHIEF)
    board = section((await site.client.get(page)).text, "opgaver")
    assert f'action="{page}/opgave"' in board and f'<option value="{STAFF}">' in board
    answer = await _post(
        site,
        f"{page}/opgave",
        {"til": STAFF, "tekst": "Tjek opslagstavlen i Infohuset", "frist": "45"},
        page=page,
    )
    assert answer.headers["location"] == f"{page}?ok=task_given#opgaver"
    bad_due = await _post(
        site, f"{page}/opgave", {"til": STAFF, "tekst": "Noget", "frist": "snart"}, page=page
    )
    assert bad_due.headers["location"] == f"{page}?fejl=refused_input#opgaver"
    async with site.app.db.transaction() as tx:
        [task] = await tx.tasks.list(nr)
    assert task.text == "Tjek opslagstavlen i Infohuset" and task.due_at is not None
    assert {
        d.person_id for d in await deliveries(site.app.db, nr) if d.template == "chief_task"
    } == {STAFF}
    board = section((await site.client.get(page)).text, "opgaver")
    assert "Tjek opslagstavlen i Infohuset" in board and "Fra Maria Friis" in board

    await site.client.post("/logout", data={"csrf": await site.csrf(page)})
    await site.sign_in(STAFF)
    mine = section((await site.client.get(page)).text, "opgaver")
    assert f'action="{page}/opgave"' not in mine  # only the chief gives tasks
    path = f"{page}/opgave/{task.number}"
    refused = await _post(site, path, {"handling": "done", "resultat": "  "}, page=page)
    assert refused.headers["location"] == f"{page}?fejl=outcome_needed#opgaver"
    shown = (await site.client.get(refused.headers["location"])).text
    assert "skriv – hvis der" in shown.lower()
    done = await _post(site, path, {"handling": "done", "resultat": "–"}, page=page)
    assert done.headers["location"] == f"{page}?ok=task_done#opgaver"
    async with site.app.db.transaction() as tx:
        finished = await tx.tasks.get(nr, task.number)
    assert finished is not None and finished.status is TaskStatus.DONE


async def test_the_chief_convenes_tot_from_the_page(site: Site) -> None:
    nr = await _activate(site)
    page = f"/haendelse/{nr}"
    await site.sign_in(CHIEF)
    card = section((await site.client.get(page)).text, "indkald")
    assert '<option value="tot">TOT (infohus-samarbejde) (Infohuset)</option>' in card
    answer = await _post(site, f"{page}/indkald", {"moede": "tot", "tid": "19:30"}, page=page)
    assert answer.headers["location"] == f"{page}?ok=convened#indkald"
    sent = [d for d in await deliveries(site.app.db, nr) if d.template == "convene"]
    assert {d.person_id for d in sent} == {"jonas-bech", "hanne-storm"}
    assert all("Infohuset, 19:30" in d.text for d in sent)
    board = section((await site.client.get(page)).text, "bekraeftelser")
    assert 'data-person="jonas-bech" data-state="pending"' in board
    assert "Indkaldt til TOT (infohus-samarbejde)" in board


async def test_others_see_no_chief_forms_and_are_refused(site: Site) -> None:
    nr = await _activate(site)
    page = f"/haendelse/{nr}"
    await site.sign_in(SSP)
    html = (await site.client.get(page)).text
    assert f'action="{page}/opgave"' not in html and 'id="indkald"' not in html
    task = await _post(site, f"{page}/opgave", {"til": STAFF, "tekst": "Hej"}, page=page)
    meeting = await _post(site, f"{page}/indkald", {"moede": "tot"}, page=page)
    assert task.headers["location"] == f"{page}?fejl=refused_action#opgaver"
    assert meeting.headers["location"] == f"{page}?fejl=refused_action#indkald"
    async with site.app.db.transaction() as tx:
        refused = [a.action for a in await tx.audit.list(incident_id=nr) if not a.allowed]
        assert await tx.tasks.list(nr) == []
    assert sorted(refused) == ["incident.convene", "task.create"]
