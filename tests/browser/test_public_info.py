"""The public notice page on a phone: the chief approves and publishes on the incident page,
a resident without a session reads /info, and the all-clear replaces it at the stand-down."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from beredskab import communications
from beredskab.incident import activation, standdown
from playbooks.schema import TemplateKind
from tests.browser import a11y
from tests.browser.phone import Screenshots, phone_context
from tests.browser.service import LiveService
from tests.browser.test_chief_flow import sign_in

CHIEF = "maria-friis"
STAFF = "amira-hassan"


async def test_published_on_the_incident_page_read_on_a_phone_without_sign_in(
    service: LiveService, page: Page, browser: Browser, screenshot: Screenshots
) -> None:
    app = service.app
    result = await activation.activate(
        db=app.db,
        plan=app.plan,
        playbook="1",
        actor_id=CHIEF,
        channel="cli",
        description="Vandskade i kælderen i opgang 7",
        zone=2,
    )
    nr = result.incident.id
    item = await communications.draft(
        db=app.db,
        plan=app.plan,
        incident_id=nr,
        actor_id=STAFF,
        channel="web",
        audience="operations",
        template=TemplateKind.RESIDENT_INFORMATION,
    )
    await sign_in(service, page, CHIEF, next=f"/haendelse/{nr}")
    await page.get_by_role("button", name="Godkend og offentliggør på /info").tap()
    await expect(page.get_by_text("Meddelelsen er offentliggjort på /info.")).to_be_visible()

    resident, guard = await phone_context(browser)  # a phone of its own: no session
    try:
        public = await resident.new_page()
        await public.goto(service.url("/info"))
        await expect(public.get_by_role("heading", level=1)).to_have_text(
            "Information til beboerne"
        )
        await expect(public.get_by_role("heading", level=3, name=item.subject)).to_be_visible()
        await expect(public.get_by_text("Vandskade i kælderen i opgang 7").first).to_be_visible()
        await expect(public.get_by_role("link", name="nyhedsfeed (Atom)")).to_be_visible()
        await a11y.assert_accessible(public)
        wide = await public.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"the page is {wide}px wider than the phone"
        await screenshot(public, "published")
        assert "Maria Friis" not in await public.content()

        await standdown.close(
            db=app.db, plan=app.plan, incident_id=nr, actor_id=CHIEF, channel="web"
        )
        await public.reload()
        await expect(public.get_by_role("heading", level=2)).to_have_text(
            "Ingen aktuelle meddelelser"
        )
        await expect(
            public.get_by_text("Seneste afblæsning: Beredskabet er afblæst")
        ).to_be_visible()
        await a11y.assert_accessible(public)
    finally:
        await resident.close()
    assert guard.blocked == [] and guard.errors == []
