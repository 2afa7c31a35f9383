"""The project chief on a phone: sign in with a code, activate a drill, follow it.

The code is the one the service itself sent (console channel); everything else is tapped and
typed on a phone-sized page, as the chief would.
"""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser import a11y
from tests.browser.phone import Screenshots
from tests.browser.service import LiveService

CHIEF = "maria-friis"
CODE = re.compile(r"\b(\d{6})\b")


async def sign_in(service: LiveService, page: Page, person_id: str, *, next: str = "/") -> None:
    """Walk the sign-in pages with the code the service sent."""
    person = service.app.plan.directory.person(person_id)
    assert person is not None and person.email
    await page.goto(service.url(f"/login?next={next}"))
    await page.get_by_label("Mobilnummer eller e-mail").fill(person.email)
    await page.get_by_role("button", name="Send kode").tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Skriv koden")
    await service.deliver()
    [message] = [m for m in service.messages() if m["person"] == person_id]
    found = CODE.search(message["text"])
    assert found is not None
    await page.get_by_label("Kode").fill(found.group(1))
    await page.get_by_role("button", name="Log ind").tap()


async def test_sign_in_and_activate_a_drill(
    service: LiveService, page: Page, screenshot: Screenshots
) -> None:
    await sign_in(service, page, CHIEF)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Hændelser")
    await expect(page.get_by_text("Ingen åbne hændelser.")).to_be_visible()
    await a11y.assert_accessible(page)
    await screenshot(page, "incidents")

    await page.get_by_role("link", name="Aktivér").first.tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Aktivér beredskabet")
    await page.get_by_label(re.compile("Beredskabsgruppe 1", re.I)).check()
    await page.get_by_label("Hvad er sket?").fill("Uro ved Bygaden, flere unge samlet")
    await page.get_by_label("Zone").select_option("2")
    await page.get_by_label(re.compile("^Øvelse")).check()
    await a11y.assert_accessible(page)
    await screenshot(page, "activate")
    await page.get_by_role("button", name="Fortsæt").tap()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Bekræft aktivering")
    async with service.app.db.transaction() as tx:
        assert await tx.incidents.recent() == []  # nothing before the confirmation
    await a11y.assert_accessible(page)
    await page.get_by_role("button", name="Start øvelsen").tap()

    await expect(page).to_have_url(re.compile(r"/haendelse/\d+"))
    async with service.app.db.transaction() as tx:
        [incident] = await tx.incidents.recent()
    assert incident.drill and incident.playbook_id == "gruppe-1" and incident.zone == 2
    assert incident.activated_via == "web"
