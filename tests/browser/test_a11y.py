"""The accessibility helper finds what it promises to find, and passes a page that is fine."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Page, Route, expect

from tests.browser import a11y
from tests.browser.service import LiveService

META = '<meta name="viewport" content="width=device-width, initial-scale=1">'
STYLE = META + "<style>body { font: 16px sans-serif; color: #1a1a1a; background: #fff; }</style>"

GOOD = (
    STYLE
    + """
<main>
  <label for="code">Kode</label><input id="code" name="code">
  <input aria-label="Søg" name="q" style="min-height: 44px">
  <label style="display: block; padding: 12px 0"><input type="checkbox" name="ok"> Udført</label>
  <select aria-labelledby="who" name="who"><option>A</option></select><span id="who">Hvem</span>
  <textarea title="Note" name="note"></textarea>
  <p>Se <a href="/hjaelp">hjælpen</a> for mere.</p>
  <button style="min-width: 48px; min-height: 48px">Send</button>
  <a class="button" href="/ny" style="display: inline-block; padding: 14px 20px">Ny hændelse</a>
  <button aria-label="Luk" style="width: 48px; height: 48px">×</button>
  <p style="color: #767676">Grå tekst på hvidt, 4.54:1</p>
  <h1 style="font-size: 28px; color: #949494">Stor grå overskrift, 3.03:1</h1>
  <p style="background: rgba(0, 0, 0, 0.85); color: #fff">Hvidt på næsten sort</p>
  <button disabled style="min-height: 48px; color: #bbb">Deaktiveret</button>
</main>"""
)


async def test_a_page_that_is_fine_passes(page: Page) -> None:
    await page.set_content(GOOD)
    assert await a11y.problems(page) == []


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<input name="code">', ["no label: input name=code"]),
        ('<label>Kode</label><select name="s"><option>x</option></select>', ["no label: select"]),
        ('<textarea id="n"></textarea>', ["no label: textarea#n"]),
        ('<button style="width: 48px; height: 48px"></button>', ["no accessible name: button"]),
        ("<button>OK</button>", ["tap target", 'button "OK"']),
        ('<p><a href="/x">Kun et link</a></p>', ["tap target", 'a "Kun et link"']),
        ('<label><input type="checkbox" aria-label="x"></label>', ["tap target", "label"]),
        (
            '<p style="color: #777">Næsten nok</p>',
            ["contrast 4.48:1 < 4.5:1", "#777777 on #ffffff"],
        ),
        (
            '<div style="background: #166534"><p style="color: #1a1a1a">Mørkt</p></div>',
            ["contrast", "#1a1a1a on #166534"],
        ),
        ('<h1 style="font-size: 28px; color: #999">Stor</h1>', ["contrast 2.85:1 < 3:1"]),
        (
            '<p style="color: oklch(0.8 0 0)">Moderne farve</p>',
            ["contrast", 'p "Moderne farve"'],
        ),
    ],
)
async def test_each_kind_of_problem_is_reported(page: Page, html: str, expected: list[str]) -> None:
    await page.set_content(STYLE + html)

    found = await a11y.problems(page)

    assert len(found) == 1, found
    assert all(part in found[0] for part in expected), found
    with pytest.raises(AssertionError, match="accessibility problems"):
        await a11y.assert_accessible(page)


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ("", 'no <meta name="viewport">'),
        ('<meta name="viewport" content="initial-scale=1">', "lacks width=device-width"),
        (
            '<meta name="viewport" content="width=device-width, user-scalable=no">',
            "stops people from zooming",
        ),
        (
            '<meta name="viewport" content="width=device-width, maximum-scale=1">',
            "stops people from zooming",
        ),
    ],
)
async def test_a_missing_or_zoom_blocking_viewport_is_reported(
    page: Page, meta: str, expected: str
) -> None:
    await page.set_content(meta + "<p>Hej</p>")

    found = await a11y.problems(page)

    assert len(found) == 1 and expected in found[0], found


async def test_the_checks_wait_for_a_stylesheet_still_on_the_wire(
    service: LiveService, page: Page
) -> None:
    # The text is in the DOM (and visible to locators) before style.css arrives; measured
    # then, every button would be 21 px tall. The checks must see the page as styled.
    async def slow(route: Route) -> None:
        await asyncio.sleep(0.5)
        await route.continue_()

    await page.route("**/static/style.css", slow)
    await page.goto(service.url("/login"), wait_until="commit")
    await expect(page.get_by_role("button", name="Send kode")).to_be_visible()

    await a11y.assert_accessible(page)
