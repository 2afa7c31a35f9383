"""The whole plan on a phone: readable, accessible, nothing wider than the screen, and a
printout without the navigation. (No full-page screenshot: the page is very long.)"""

from __future__ import annotations

import io

from playwright.async_api import Page, expect
from pypdf import PdfReader

from tests.browser import a11y
from tests.browser.service import LiveService
from tests.browser.test_chief_flow import sign_in

STAFF = "amira-hassan"


async def test_the_plan_reads_on_a_phone_and_prints(service: LiveService, page: Page) -> None:
    await sign_in(service, page, STAFF, next="/plan")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Beredskabsplanen")
    for playbook in service.app.plan.playbooks.playbooks:
        await expect(page.get_by_role("heading", level=2, name=playbook.name)).to_be_visible()
    await expect(page.get_by_role("link", name="Hent planen som PDF")).to_be_visible()
    await a11y.assert_accessible(page)
    wide = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"the page is {wide}px wider than the phone"

    await page.emulate_media(media="print")
    await expect(page.locator("header.top")).to_be_hidden()
    await expect(page.get_by_role("link", name="Hent planen som PDF")).to_be_hidden()
    await expect(
        page.get_by_role("heading", level=2, name="Roller og hvem der har dem")
    ).to_be_visible()
    printed = PdfReader(io.BytesIO(await page.pdf(format="A4")))
    text = " ".join(p.extract_text() for p in printed.pages)
    assert len(printed.pages) > 3
    assert "Pligter (§3)" in text and "Hent planen som PDF" not in text and "Log ud" not in text
    await page.emulate_media(media="screen")
    await expect(page.locator("header.top")).to_be_visible()
