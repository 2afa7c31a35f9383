"""The project chief on a phone: sign in with a code, activate a drill, follow it live.

The code is the one the service itself sent (console channel); everything else is tapped and
typed on a phone-sized page, as the chief would.
"""

from __future__ import annotations

import io
import re

import httpx
from playwright.async_api import Browser, Page, expect
from pypdf import PdfReader

from beredskab.security import api_tokens
from tests.browser import a11y
from tests.browser.phone import Screenshots, phone_context
from tests.browser.service import LiveService

CHIEF = "maria-friis"
SSP = "sara-lund"  # a group 1 participant; confirms through the JSON API
STAFF = "amira-hassan"  # secretariat staff: may not activate, may not read sensitive entries
SECRET = "Navn på vidne (fortroligt)"
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
    [message] = [
        m
        for m in service.messages()
        if m["person"] == person_id and m["subject"] == "Din kode til Beredskab"
    ]
    found = CODE.search(message["text"])
    assert found is not None
    await page.get_by_label("Kode").fill(found.group(1))
    await page.get_by_role("button", name="Log ind").tap()
    await page.wait_for_url(lambda url: "/login" not in url)


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


async def _activate_drill(service: LiveService, page: Page) -> int:
    await page.goto(service.url("/aktiver"))
    await page.get_by_label(re.compile("Beredskabsgruppe 1", re.I)).check()
    await page.get_by_label("Hvad er sket?").fill("Brand i container ved Vejlevej")
    await page.get_by_label(re.compile("^Øvelse")).check()
    await page.get_by_role("button", name="Fortsæt").tap()
    await page.get_by_role("button", name="Start øvelsen").tap()
    await expect(page).to_have_url(re.compile(r"/haendelse/\d+\?ok=opened_drill$"))
    await expect(page.get_by_role("status").first).to_contain_text("Du har startet en ØVELSE")
    return int(page.url.split("?")[0].rsplit("/", 1)[1])


async def test_follow_the_incident_live_then_export_the_report(
    service: LiveService, page: Page, browser: Browser, screenshot: Screenshots
) -> None:
    await sign_in(service, page, CHIEF)
    nr = await _activate_drill(service, page)
    board = page.locator("#bekraeftelser")
    sara = board.locator(f'li[data-person="{SSP}"]')
    await expect(sara.locator(".badge")).to_have_text("Ikke endnu")

    # Sara confirms through the JSON API; the open page shows it without a reload.
    created = await api_tokens.create(
        db=service.app.db, plan=service.app.plan, name="vagtsystem", person_id=SSP
    )
    assert await page.evaluate("() => (window.__unchanged = true)")
    async with httpx.AsyncClient(trust_env=False) as client:
        answer = await client.post(
            service.url(f"/api/v1/incidents/{nr}/confirmations"),
            headers={"Authorization": f"Bearer {created.plaintext}"},
            json={"answer": "confirm"},
        )
    assert answer.status_code == 200, answer.text
    await expect(sara.locator(".badge")).to_have_text("Bekræftet")
    await expect(page.locator("#announce")).to_contain_text("Sara Lund")
    assert await page.evaluate("() => window.__unchanged === true"), "the page was reloaded"

    # The chief marks the first step done with a note.
    step = page.locator("#trin li").first
    await step.get_by_text("Markér trinnet").tap()
    await step.get_by_label("Note (frivillig)").fill("Bestyrelsen orienteret pr. telefon")
    await step.get_by_role("button", name="Markér udført").tap()
    await expect(page.locator("#trin li").first).to_contain_text(
        "Bestyrelsen orienteret pr. telefon"
    )

    # A sensitive note goes into the log, marked.
    await page.get_by_label("Tekst", exact=True).fill(SECRET)
    await page.locator("#ny-post").get_by_label("Fortrolig").check()
    await page.get_by_role("button", name="Tilføj til loggen").tap()
    entry = page.locator("#log li", has_text=SECRET)
    await expect(entry).to_be_visible()
    await expect(entry.locator(".badge")).to_have_text("Fortrolig")

    await a11y.assert_accessible(page)
    await page.evaluate("() => window.scrollTo(0, 0)")
    await page.screenshot(path=(await screenshot(page, "incident")).with_suffix(".viewport.png"))

    # The PDF report downloads and reads in Danish.
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Rapport (PDF)").tap()
    download = await waiting.value
    pdf = PdfReader(io.BytesIO((await download.path()).read_bytes()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Situationsrapport" in text and "ØVELSE" in text
    assert "Bestyrelsen orienteret pr. telefon" in text

    # Stand down, after an "are you sure?" page.
    await page.get_by_role("link", name="Afblæs beredskabet").tap()
    await expect(page.get_by_text("Er du sikker?")).to_be_visible()
    await a11y.assert_accessible(page)
    await page.get_by_role("button", name="Ja, afblæs nu").tap()
    await expect(page.locator("#status")).to_contain_text("Afsluttet")
    async with service.app.db.transaction() as tx:
        closed = await tx.incidents.get(nr)
    assert closed is not None and closed.status == "closed" and closed.closed_by == CHIEF

    # Staff see the incident but not the sensitive note, and may not activate.
    staff_context, _guard = await phone_context(browser)
    try:
        staff = await staff_context.new_page()
        await sign_in(service, staff, STAFF, next=f"/haendelse/{nr}")
        await expect(staff).to_have_url(re.compile(f"/haendelse/{nr}$"))
        await expect(staff.locator("#log")).not_to_contain_text(SECRET)
        await expect(staff.locator("#log")).to_contain_text("vises kun for beredskabets leder")
        await staff.goto(service.url("/aktiver"))
        await expect(
            staff.get_by_text("Du kan ikke aktivere nogen beredskabsgruppe.")
        ).to_be_visible()
        await screenshot(staff, "staff")
    finally:
        await staff_context.close()
