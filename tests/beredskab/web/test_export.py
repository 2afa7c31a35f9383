"""The situation report from the web: HTML and PDF; sensitive entries only for the leader."""

from __future__ import annotations

import io

from pypdf import PdfReader

from beredskab.incident import activation, situation_log
from tests.beredskab.helpers import CHIEF, POLICE, STAFF
from tests.beredskab.web.site import Site

SECRET = "Navngiven kilde hos politiet"


async def _incident(site: Site) -> int:
    app = site.app
    result = await activation.activate(
        db=app.db,
        plan=app.plan,
        playbook="2",
        actor_id=POLICE,
        channel="sms",
        description="Skud ved Korskærparken",
        police_case="3700-11",
    )
    nr = result.incident.id
    await situation_log.add_entry(
        db=app.db,
        plan=app.plan,
        incident_id=nr,
        actor_id=CHIEF,
        text="Rolig aften i øvrigt",
        channel="cli",
    )
    await situation_log.add_entry(
        db=app.db,
        plan=app.plan,
        incident_id=nr,
        actor_id=CHIEF,
        text=SECRET,
        channel="cli",
        sensitive=True,
    )
    return nr


async def _sensitive_reads(site: Site) -> list[tuple[str, bool]]:
    async with site.app.db.transaction() as tx:
        return [
            (a.actor, a.allowed) for a in await tx.audit.list() if a.action == "report.sensitive"
        ]


async def test_the_pdf_downloads_and_reads_in_danish(site: Site) -> None:
    nr = await _incident(site)
    await site.sign_in(CHIEF)
    answer = await site.client.get(f"/haendelse/{nr}/rapport.pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert f'filename="situationsrapport-{nr}.pdf"' in answer.headers["content-disposition"]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.content)).pages)
    assert "Situationsrapport" in text and "3700-11" in text and "Rolig aften i øvrigt" in text
    assert SECRET not in text
    html = (await site.client.get(f"/haendelse/{nr}/rapport.html")).text
    steps = html.split("Trin", 1)[1]
    assert "<td>Boligsocial projektchef</td>" in steps  # the role's name, not its id
    assert "<td>projektchef</td>" not in steps


async def test_sensitive_entries_only_for_the_leader_and_every_read_is_audited(
    site: Site,
) -> None:
    nr = await _incident(site)
    await site.sign_in(STAFF)
    plain = await site.client.get(f"/haendelse/{nr}/rapport.html")
    assert plain.status_code == 200 and "Rolig aften i øvrigt" in plain.text
    assert SECRET not in plain.text
    refused = await site.client.get(f"/haendelse/{nr}/rapport.html?foelsomme=1")
    assert refused.status_code == 403 and SECRET not in refused.text
    site.client.cookies.clear()
    await site.sign_in(CHIEF)
    full = await site.client.get(f"/haendelse/{nr}/rapport.pdf?foelsomme=1")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(full.content)).pages)
    assert SECRET in text
    assert await _sensitive_reads(site) == [(STAFF, False), (CHIEF, True)]


async def test_an_unknown_incident_is_a_plain_404(site: Site) -> None:
    await site.sign_in(CHIEF)
    answer = await site.client.get("/haendelse/99/rapport.pdf")
    assert answer.status_code == 404 and "Findes ikke" in answer.text


async def test_the_report_checks_a_kept_head_and_the_page_shows_the_head(site: Site) -> None:
    nr = await _incident(site)
    await site.sign_in(CHIEF)
    check = await situation_log.check(db=site.app.db, incident_id=nr)
    assert check.ok and check.head is not None
    head = check.head.short
    page = await site.client.get(f"/haendelse/{nr}")
    assert page.status_code == 200 and f"Kæden er ubrudt. Kædehoved: {head}" in page.text
    good = await site.client.get(f"/haendelse/{nr}/rapport.html", params={"head": head})
    assert good.status_code == 200 and f"passer med hovedet {head}" in good.text
    longer = f"{check.head.count + 2}:{check.head.hash[:16]}"  # the head of a longer log
    cut = await site.client.get(f"/haendelse/{nr}/rapport.html", params={"head": longer})
    assert cut.status_code == 200 and "FEJL:" in cut.text
    assert f"Der mangler poster efter post {check.head.count}" in cut.text
    bad = await site.client.get(f"/haendelse/{nr}/rapport.pdf", params={"head": "nope"})
    assert bad.status_code == 400 and "42:0123456789abcdef" in bad.text
