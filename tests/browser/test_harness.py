"""The browser harness itself: a Danish phone, the live app, and no way off the machine."""

from __future__ import annotations

from playwright.async_api import Browser, Page

from tests.browser.phone import phone_context
from tests.browser.service import LiveService


async def test_the_phone_is_a_danish_touch_phone(page: Page) -> None:
    await page.set_content(
        '<meta name="viewport" content="width=device-width, initial-scale=1"><p>Hej</p>'
    )
    phone = await page.evaluate(
        "() => [innerWidth, innerHeight, devicePixelRatio, navigator.language,"
        " matchMedia('(pointer: coarse)').matches, navigator.maxTouchPoints > 0]"
    )
    assert phone == [390, 844, 2, "da-DK", True, True]


async def test_a_page_without_a_viewport_tag_is_laid_out_like_a_desktop(page: Page) -> None:
    await page.set_content("<p>Hej</p>")
    assert await page.evaluate("() => innerWidth") == 980  # so a11y checks for the tag


async def test_the_live_app_answers_and_serves_the_stylesheet(
    service: LiveService, page: Page
) -> None:
    health = await page.goto(service.url("/healthz"))
    assert health is not None and health.status == 200
    assert (await health.json())["plan_version"] == service.app.plan.version
    style = await page.goto(service.url("/static/style.css"))
    assert style is not None and style.status == 200
    assert style.headers["content-type"].startswith("text/css")


async def test_requests_off_the_machine_are_blocked_and_recorded(
    browser: Browser, service: LiveService
) -> None:
    ctx, guard = await phone_context(browser)
    try:
        page = await ctx.new_page()
        await page.goto(service.url("/healthz"))
        async with page.expect_event("requestfailed") as failed:
            await page.set_content('<img alt="logo" src="http://example.invalid/logo.png">')
        request = await failed.value
        assert request.url == "http://example.invalid/logo.png"
        assert (request.failure or "").startswith("net::ERR_BLOCKED_BY_CLIENT")
        assert guard.blocked == ["http://example.invalid/logo.png"]
    finally:
        await ctx.close()
