"""The phone the browser tests use, the guard that keeps it on this machine, screenshots."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Page, Route, ViewportSize, WebError

from tests.browser.service import HOST

PHONE_VIEWPORT: ViewportSize = {"width": 390, "height": 844}
ACTION_TIMEOUT_MS = 10_000


@dataclass
class Guard:
    """What a page tried that a test must not allow: leaving the machine, script errors."""

    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def route(self, route: Route) -> None:
        """Let requests to 127.0.0.1 through; abort and remember every other one."""
        if urlsplit(route.request.url).hostname == HOST:
            await route.continue_()
            return
        self.blocked.append(route.request.url)
        await route.abort("blockedbyclient")

    def web_error(self, error: WebError) -> None:
        """Remember an uncaught error thrown by a page's script."""
        self.errors.append(str(error.error))


async def phone_context(browser: Browser) -> tuple[BrowserContext, Guard]:
    """A new phone-sized context whose requests can only reach 127.0.0.1."""
    guard = Guard()
    ctx = await browser.new_context(
        viewport=PHONE_VIEWPORT,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="da-DK",
        timezone_id="Europe/Copenhagen",
    )
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    await ctx.route("**/*", guard.route)
    ctx.on("weberror", guard.web_error)
    return ctx, guard


class Screenshots:
    """Saves screenshots as test artifacts: ``test-artifacts/<module>__<test>[-<label>].png``."""

    def __init__(self, directory: Path, test_id: str) -> None:
        self.directory = directory
        self.stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_id).strip("_")

    async def __call__(self, page: Page, label: str = "") -> Path:
        """Save the whole page as it is now; returns the file."""
        name = f"{self.stem}-{label}" if label else self.stem
        path = self.directory / f"{name}.png"
        self.directory.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=path, full_page=True)
        return path
