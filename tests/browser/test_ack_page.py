"""The email acknowledgement page on a phone: open the personal link, tap Bekræft, done.

The link is the one the service itself put in the person's activation email (console
channel), so the test follows the same path as a participant reading the mail on a phone.
"""

from __future__ import annotations

from playwright.async_api import Page, expect

from beredskab.incident import activation
from beredskab.models import ConfirmationStatus
from notifier.types import ChannelKind
from tests.browser import a11y
from tests.browser.phone import Screenshots
from tests.browser.service import LiveService

POLICE = "kim-holm"
PERSON = "henrik-moeller"  # a group 2 participant with an email address
MIN_TAP_PX = 44


async def _drill_link(service: LiveService, person_id: str) -> tuple[int, str]:
    """Activate group 2 as a drill, deliver, and return the person's emailed link."""
    result = await activation.activate(
        db=service.app.db,
        plan=service.app.plan,
        playbook="2",
        actor_id=POLICE,
        channel="sms",
        drill=True,
    )
    await service.deliver()
    [link] = [
        m["link"]
        for m in service.messages()
        if m["person"] == person_id and m["channel"] == ChannelKind.EMAIL.value and m["link"]
    ]
    assert link.startswith(service.url("/a/"))
    return result.incident.id, str(link)


async def _status(service: LiveService, incident_id: int) -> ConfirmationStatus:
    async with service.app.db.transaction() as tx:
        confirmation = await tx.incidents.confirmation(incident_id, PERSON)
    assert confirmation is not None
    return confirmation.status


async def test_confirm_from_the_email_link_on_a_phone(
    service: LiveService, page: Page, screenshot: Screenshots
) -> None:
    incident_id, link = await _drill_link(service, PERSON)

    response = await page.goto(link)
    assert response is not None and response.status == 200
    await expect(page).to_have_title(f"Bekræft hændelse nr. {incident_id} · Beredskab")
    await expect(page.get_by_text("ØVELSE", exact=True)).to_be_visible()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bekræft, at du har modtaget beskeden"
    )
    await expect(page.get_by_text("Henrik Møller")).to_be_visible()
    confirm = page.get_by_role("button", name="Bekræft", exact=True)
    decline = page.get_by_role("button", name="Kan ikke deltage")
    for button in (confirm, decline):
        box = await button.bounding_box()
        assert box is not None
        assert box["width"] >= MIN_TAP_PX and box["height"] >= MIN_TAP_PX, box
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, "button runs off the screen"
    no_sideways_scroll = await page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth"
    )
    assert no_sideways_scroll
    await a11y.assert_accessible(page)
    await screenshot(page, "link")
    assert await _status(service, incident_id) is ConfirmationStatus.PENDING  # GET changes nothing

    await confirm.tap()

    done = page.get_by_role("status")
    await expect(done.get_by_role("heading")).to_have_text("Tak — du har bekræftet")
    await expect(done).to_contain_text("Henrik Møller, dit svar er registreret. Tak.")
    await a11y.assert_accessible(page)
    await screenshot(page, "done")
    assert await _status(service, incident_id) is ConfirmationStatus.CONFIRMED
    async with service.app.db.transaction() as tx:
        log = await tx.log.list(incident_id)
    assert log[-1].text == "Henrik Møller bekræftede via email."


async def test_a_used_link_says_so_in_danish(service: LiveService, page: Page) -> None:
    incident_id, link = await _drill_link(service, PERSON)
    await page.goto(link)
    await page.get_by_role("button", name="Bekræft", exact=True).tap()
    await expect(page.get_by_role("status")).to_be_visible()

    response = await page.goto(link)

    assert response is not None and response.status == 410
    await expect(page.get_by_role("heading", level=1)).to_have_text("Linket er allerede brugt")
    await a11y.assert_accessible(page)
    assert await _status(service, incident_id) is ConfirmationStatus.CONFIRMED
