"""The secretariat leader keeps the contact directory on a phone: corrects a person, reads
their history, imports the spreadsheet after the preview. Accessible, nothing too wide."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser import a11y
from tests.browser.phone import Screenshots
from tests.browser.service import LiveService
from tests.browser.test_chief_flow import sign_in

LEADER = "karen-hald"
STAFF = "amira-hassan"


async def _fits(page: Page) -> None:
    await a11y.assert_accessible(page)
    wide = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"the page is {wide}px wider than the phone"


async def test_the_leader_corrects_a_person_and_imports_the_sheet(
    service: LiveService, page: Page, screenshot: Screenshots
) -> None:
    await sign_in(service, page, LEADER)
    await page.get_by_role("link", name="Kontaktliste", exact=True).tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kontaktliste")
    await _fits(page)

    await page.get_by_role("link", name="Amira Hassan").tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ret Amira Hassan")
    await _fits(page)
    await page.get_by_label("Telefon", exact=True).fill("12")
    await page.get_by_role("button", name="Gem", exact=True).tap()
    await expect(page.get_by_role("alert")).to_contain_text("is not a valid phone number")
    await page.get_by_label("Telefon", exact=True).fill("20 10 00 98")
    await page.get_by_role("button", name="Gem", exact=True).tap()
    await expect(page.get_by_role("status")).to_have_text("Ændringen er gemt og i brug.")
    person = service.app.plan.directory.person(STAFF)
    assert person is not None and person.phone == "+4520100098"
    await screenshot(page, "person")

    await page.get_by_role("link", name="Historik").tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Historik for {STAFF}")
    await expect(page.get_by_role("row", name="phone")).to_contain_text("+4520100098")
    await _fits(page)

    sheet = service.app.plan.directory.people
    lines = ["id,name,phone,email,roles,deputy,zones"]
    for p in sheet:
        name = "Amira Regneark" if p.id == STAFF else p.name
        roles = ";".join(p.roles)
        zones = ";".join(str(z) for z in p.zones)
        lines.append(
            f'{p.id},"{name}",{p.phone or ""},{p.email or ""},"{roles}",{p.deputy or ""},"{zones}"'
        )
    await page.goto(service.url("/kontaktliste/import"))
    await page.get_by_label("Fil", exact=True).set_input_files(
        files=[
            {"name": "kontakter.csv", "mimeType": "text/csv", "buffer": "\n".join(lines).encode()}
        ]
    )
    await page.get_by_role("button", name="Vis ændringerne").tap()
    await expect(
        page.get_by_role("heading", level=2, name="Ændringer fra kontakter.csv")
    ).to_be_visible()
    await expect(page.get_by_text("0 tilføjet, 1 ændret, 0 fjernet")).to_be_visible()
    await _fits(page)
    await screenshot(page, "preview")
    await page.get_by_role("button", name="Gem ændringerne").tap()
    await expect(page.get_by_role("status")).to_have_text("Importen er gemt og i brug.")
    person = service.app.plan.directory.person(STAFF)
    assert person is not None and person.name == "Amira Regneark"
