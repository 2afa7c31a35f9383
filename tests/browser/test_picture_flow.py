"""The situation picture on a phone: the chief writes it in the form, the page stays
accessible with the form open, and a version saved elsewhere appears without a reload."""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect

from beredskab.security import api_tokens
from tests.browser import a11y
from tests.browser.service import LiveService
from tests.browser.test_chief_flow import CHIEF, SSP, _activate_drill, sign_in


async def test_the_chief_writes_the_picture_and_sees_a_new_version_live(
    service: LiveService, page: Page
) -> None:
    await sign_in(service, page, CHIEF)
    nr = await _activate_drill(service, page)
    board = page.locator("#situationsbillede")
    await expect(board).to_contain_text("ikke skrevet endnu")

    await board.get_by_text("Skriv i situationsbilledet").tap()
    await board.get_by_label("Hvad er sket?").fill("Brand i container, ingen tilskadekomne")
    await board.get_by_label("Hvem er berørt?", exact=False).fill("Familien i nr. 5")
    await board.get_by_label("Følsom").nth(2).check()  # heading 3, "Hvem er berørt?"
    await a11y.assert_accessible(page)
    await board.get_by_role("button", name="Gem ny version").tap()
    await expect(page.locator("#situationsbillede")).to_contain_text("Version 1")
    await expect(page.locator("#situationsbillede")).to_contain_text("Familien i nr. 5")
    await expect(page.locator("#situationsbillede dd.sensitive")).to_contain_text("Familien")

    # Sara saves version 2 through the API; the open page shows it without a reload.
    created = await api_tokens.create(
        db=service.app.db, plan=service.app.plan, name="vagtsystem", person_id=SSP
    )
    assert await page.evaluate("() => (window.__unchanged = true)")
    async with httpx.AsyncClient(trust_env=False) as client:
        answer = await client.put(
            service.url(f"/api/v1/incidents/{nr}/picture"),
            headers={"Authorization": f"Bearer {created.plaintext}"},
            json={"version": 1, "headings": [{"heading": "2", "text": "Vejlevej 12"}]},
        )
    assert answer.status_code == 200, answer.text
    await expect(page.locator("#situationsbillede")).to_contain_text("Vejlevej 12")
    await expect(page.locator("#situationsbillede")).to_contain_text("Version 2")
    assert await page.evaluate("() => window.__unchanged === true"), "the page was reloaded"
    await a11y.assert_accessible(page)
