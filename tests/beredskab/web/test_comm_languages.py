"""The composer on the incident page: a resident communication's languages side by side,
right-to-left where the script needs it, with warnings for missing and older variants and
for texts of many SMS segments."""

from __future__ import annotations

import re

from httpx import Response

from beredskab.incident import activation
from tests.beredskab.helpers import CHIEF, STAFF
from tests.beredskab.web.site import Site


def _board(html: str) -> str:
    start = html.index('<section class="card" id="kommunikation"')
    return html[start : html.index("</section>", start)]


def _warnings(board: str) -> list[str]:
    return re.findall(r'<p class="notice lang-warning" role="status">([^<]*)</p>', board)


def _language(board: str, code: str) -> str:
    start = board.index(f'data-lang="{code}"')
    return board[start : board.index('<div class="lang ', start + 1)]


async def _post(site: Site, path: str, data: dict[str, str], *, page: str) -> Response:
    return await site.client.post(path, data={"csrf": await site.csrf(page), **data})


async def test_the_composer_shows_every_language_and_warns_about_older_and_missing(
    site: Site,
) -> None:
    nr = (
        await activation.activate(
            db=site.app.db,
            plan=site.app.plan,
            playbook="1",
            actor_id=CHIEF,
            channel="cli",
            description="Brand i opgang",
            zone=1,
        )
    ).incident.id
    page = f"/haendelse/{nr}"
    await site.sign_in(STAFF)
    answer = await _post(
        site,
        f"{page}/kommunikation",
        {"til": "partners", "skabelon": "resident_information"},
        page=page,
    )
    assert answer.headers["location"] == f"{page}?ok=comm_drafted#kommunikation"
    async with site.app.db.transaction() as tx:
        [item] = await tx.communications.list(nr)
    board = _board((await site.client.get(page)).text)
    # Danish and the six languages side by side, all up to date: no warning
    assert re.findall(r'data-lang="([a-z]+)"', board) == ["da", "en", "ar", "so", "tr", "ur", "uk"]
    assert _warnings(board) == []
    arabic = _language(board, "ar")
    assert '<span lang="ar" dir="rtl">العربية</span>' in arabic
    assert '<div lang="ar" dir="rtl">' in arabic and "معلومات للسكان: Brand i opgang" in arabic
    assert "Opdateret" in arabic and "SMS-dele (UCS-2," in arabic
    assert '<div lang="so" dir="ltr">' in _language(board, "so")
    assert "SMS-dele (GSM-7," in _language(board, "so")
    assert 'lang="ar" dir="rtl">' in arabic.split("<textarea", 1)[1]
    # the Danish text is edited: every variant is older than it
    answer = await _post(
        site,
        f"{page}/kommunikation/{item.id}/ret",
        {"emne": item.subject, "tekst": item.text + "\n\nMødested: Infohuset kl. 19."},
        page=page,
    )
    assert answer.headers["location"] == f"{page}?ok=comm_saved#kommunikation"
    board = _board((await site.client.get(page)).text)
    assert _warnings(board) == [
        "Ældre end den danske tekst på engelsk, arabisk, somali, tyrkisk, urdu, ukrainsk "
        "(dansk er rettet siden): de modtagere får den danske tekst, til udgaven er rettet "
        "og gemt igen."
    ]
    assert "Ældre end den danske tekst" in _language(board, "ar")
    # the Arabic variant is checked and saved (long now); the Somali one removed
    long_arabic = "وقع حادث في المنطقة. " * 30
    answer = await _post(
        site,
        f"{page}/kommunikation/{item.id}/sprog/ar",
        {"emne": "معلومات للسكان", "tekst": long_arabic},
        page=page,
    )
    assert answer.headers["location"] == f"{page}?ok=comm_variant_saved#kommunikation"
    await _post(
        site, f"{page}/kommunikation/{item.id}/sprog/so", {"emne": "", "tekst": ""}, page=page
    )
    board = _board((await site.client.get(page)).text)
    warnings = _warnings(board)
    assert warnings[0] == "Mangler på somali: de modtagere får den danske tekst."
    assert warnings[1].startswith("Ældre end den danske tekst på engelsk, tyrkisk, urdu, ukrainsk ")
    assert re.fullmatch(
        r"Over 8 SMS-dele på (\w+, )*arabisk(, \w+)*: overvej en kortere tekst\.", warnings[2]
    )
    assert "Opdateret" in _language(board, "ar") and "Mangler" in _language(board, "so")
    assert "Skriv udgaven på somali" in _language(board, "so")
    # a half-filled variant is refused before the use case
    answer = await _post(
        site, f"{page}/kommunikation/{item.id}/sprog/so", {"emne": "x", "tekst": ""}, page=page
    )
    assert answer.headers["location"] == f"{page}?fejl=empty_text#kommunikation"
    # in English, the languages are named in English
    await site.client.post("/sprog", data={"csrf": await site.csrf(page), "lang": "en"})
    board = _board((await site.client.get(page)).text)
    assert _warnings(board)[0] == "Missing in Somali: those recipients get the Danish text."
    assert "Write the Somali variant" in _language(board, "so")
    assert '<strong>Arabic</strong> <span lang="ar" dir="rtl">العربية</span>' in board
