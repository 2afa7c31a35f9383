"""The readiness page (leaders only) and the plan page with sign-off per person."""

from __future__ import annotations

from beredskab.preparedness.signoff import record_signoff, request_signoff
from tests.beredskab.helpers import CHIEF, STAFF
from tests.beredskab.web.site import Site


async def test_the_chief_sees_the_readiness_report(site: Site) -> None:
    await site.sign_in(CHIEF)
    page = await site.client.get("/parathed")
    assert page.status_code == 200
    text = page.text
    assert "Roller med kun én person" in text
    assert "Kan aktivere, men har ingen PIN" in text
    # Rasmus Toft has only a phone: a single point of failure by channel.
    weak = text.split('id="roles-h"')[0]
    assert "Rasmus Toft" in weak
    assert "Stedfortræder kaldes selv af samme gruppe" in weak
    assert "Birgit Dahl → Jonas Berg (gruppe 2): ingen kan træde til" in weak
    assert "Sara Lund → Omar Nielsen (gruppe 2): Lise Krogh træder til i stedet" in weak
    assert "Roller hvor alle er en andens stedfortræder" in weak


async def test_staff_may_not_read_the_readiness_report_and_the_attempt_is_audited(
    site: Site,
) -> None:
    await site.sign_in(STAFF)
    page = await site.client.get("/parathed")
    assert page.status_code == 403
    assert "Rasmus Toft" not in page.text
    async with site.app.db.transaction() as tx:
        refused = [a for a in await tx.audit.list() if a.action == "web.readiness"]
    assert [(a.actor, a.allowed) for a in refused] == [(STAFF, False)]


async def test_the_plan_page_shows_the_version_and_who_has_signed(site: Site) -> None:
    app = site.app
    await request_signoff(app=app)
    await record_signoff(
        db=app.db, plan=app.plan, person_id=CHIEF, version=app.plan.version, via="web"
    )
    await site.sign_in(STAFF)
    page = (await site.client.get("/plan")).text
    assert f"Planversion {app.plan.version}" in page
    chief = app.plan.directory.person(CHIEF)
    assert chief is not None
    signoff = page.split('id="signoff-h"', 1)[1]
    line = signoff.split(chief.name, 1)[1].split("</li>", 1)[0]
    assert "Underskrevet" in line
    assert "Spurgt, ikke svaret" in signoff
