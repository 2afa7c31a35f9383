"""The police liaison on a phone corrects a group 2 incident's facts: the form is open while
the journal number is missing, accessible, and the page says what changed."""

from __future__ import annotations

from playwright.async_api import Page, expect

from beredskab.incident import activation
from tests.browser import a11y
from tests.browser.service import LiveService
from tests.browser.test_chief_flow import sign_in

POLICE = "kim-holm"


async def test_the_journal_number_is_added_on_the_incident_page(
    service: LiveService, page: Page
) -> None:
    opened = await activation.activate(
        db=service.app.db,
        plan=service.app.plan,
        playbook="2",
        actor_id=POLICE,
        channel="sms",
        description="Skud ved torvet",
        zone=1,
        police_case_pending=True,  # the number is added on the page
    )
    nr = opened.incident.id
    await sign_in(service, page, POLICE, next=f"/haendelse/{nr}")
    await page.goto(service.url(f"/haendelse/{nr}"))
    await expect(page.locator("#status")).to_contain_text("journalnr. mangler")
    form = page.locator("#oplysninger")
    await expect(form.get_by_label("Politiets journalnr.")).to_be_visible()  # open by itself
    await a11y.assert_accessible(page)
    await form.get_by_label("Politiets journalnr.").fill("3700-80260-00123-26")
    await form.get_by_label("Zone").select_option("2")
    await form.get_by_role("button", name="Gem rettelser").tap()
    await expect(page.get_by_text("Oplysningerne er rettet.")).to_be_visible()
    await expect(page.locator("#status")).to_contain_text("3700-80260-00123-26")
    await expect(page.locator("#status")).to_contain_text("Zone 2")
    await expect(page.locator("#log")).to_contain_text("Rettelse af Kim Holm via web")
    async with service.app.db.transaction() as tx:
        stored = await tx.incidents.get(nr)
    assert stored is not None and (stored.police_case, stored.zone) == ("3700-80260-00123-26", 2)
