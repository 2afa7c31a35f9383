"""Browser fixtures: Debian's Chromium driven by Playwright, a phone per test, the live app.

- ``browser`` (session): headless Chromium launched once. Without Chromium the browser tests
  skip, unless ``BEREDSKAB_REQUIRE_BROWSER`` is set (CI), when they fail.
- ``context`` / ``page``: a fresh phone (390×844 CSS px, touch, da-DK) per test. Every request
  that is not to 127.0.0.1 is aborted, and the test then fails: pages must not reach out.
  Uncaught JavaScript errors fail the test as well (see ``tests/browser/phone.py``).
- ``service``: the real web app on a free 127.0.0.1 port (see ``tests/browser/service.py``).
- ``screenshot``: saves a PNG of a page under ``test-artifacts/`` named after the test.

Playwright's async API needs one event loop for the browser and the tests, so every test in
this folder runs in the session-scoped loop (set below), and async fixtures here say
``loop_scope="session"``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.browser.chromium import INSTALL_HINT, LAUNCH_ARGS, REQUIRE_ENV, find_chromium
from tests.browser.phone import Screenshots, phone_context
from tests.browser.service import LiveService, serving

HERE = Path(__file__).parent
ARTIFACTS = HERE.parents[1] / "test-artifacts"


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


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Screenshots:
    """A helper that saves page screenshots named after the running test."""
    node = request.node
    return Screenshots(ARTIFACTS, f"{node.path.stem}__{node.name}")
