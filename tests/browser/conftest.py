"""Browser fixtures: Debian's Chromium driven by Playwright, a phone per test, the live app.

- ``browser`` (session): headless Chromium launched once. Without Chromium the browser tests
  skip, unless ``BEREDSKAB_REQUIRE_BROWSER`` is set (CI), when they fail.
- ``context`` / ``page``: a fresh phone (390×844 CSS px, touch, da-DK) per test. Every request
  that is not to 127.0.0.1 is aborted, and the test then fails: pages must not reach out.
  Uncaught JavaScript errors fail the test as well.
- ``service``: the real web app on a free 127.0.0.1 port (see ``tests/browser/service.py``).
- ``screenshot``: saves a PNG of a page under ``test-artifacts/`` named after the test.

Playwright's async API needs one event loop for the browser and the tests, so every test in
this folder runs in the session-scoped loop (set below), and async fixtures here say
``loop_scope="session"``.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    Route,
    ViewportSize,
    WebError,
    async_playwright,
)

from tests.browser.chromium import INSTALL_HINT, LAUNCH_ARGS, REQUIRE_ENV, find_chromium
from tests.browser.service import HOST, LiveService, serving

HERE = Path(__file__).parent
ARTIFACTS = HERE.parents[1] / "test-artifacts"
PHONE_VIEWPORT: ViewportSize = {"width": 390, "height": 844}
ACTION_TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests in this folder in the session loop, where the browser lives."""
    session_loop = pytest.mark.asyncio(loop_scope="session")
    for item in items:
        if HERE in item.path.parents and pytest_asyncio.is_async_test(item):
            item.add_marker(session_loop, append=False)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium binary; skips (or fails, in CI) when it is not installed."""
    path = find_chromium()
    if path is None:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{REQUIRE_ENV} is set but Chromium was not found; {INSTALL_HINT}")
        pytest.skip(f"Chromium not found; {INSTALL_HINT} (set {REQUIRE_ENV}=1 to fail instead)")
    return path


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    """Headless Chromium for the whole session, with no background networking."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=LAUNCH_ARGS
        )
        yield launched
        await launched.close()


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


@pytest_asyncio.fixture(loop_scope="session")
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh phone; the test fails if a page tried to leave the machine or threw."""
    ctx, guard = await phone_context(browser)
    yield ctx
    await ctx.close()
    if guard.blocked:
        pytest.fail("the page tried to leave the machine: " + ", ".join(guard.blocked))
    if guard.errors:
        pytest.fail("uncaught errors in the page: " + "; ".join(guard.errors))


@pytest_asyncio.fixture(loop_scope="session")
async def page(context: BrowserContext) -> Page:
    """A new tab on the phone."""
    return await context.new_page()


@pytest_asyncio.fixture(loop_scope="session")
async def service(tmp_path: Path) -> AsyncIterator[LiveService]:
    """The real web app on a fresh SQLite database, served on 127.0.0.1."""
    async with serving(tmp_path) as live:
        yield live


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


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Screenshots:
    """A helper that saves page screenshots named after the running test."""
    node = request.node
    return Screenshots(ARTIFACTS, f"{node.path.stem}__{node.name}")
