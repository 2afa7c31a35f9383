"""The public sign-up page: phone, zone and language, the consent text shown, a code by SMS
(through the outbox), and the subscription only after the right code; wrong, expired and
throttled codes are refused and audited; the consent record keeps its version and time."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from httpx import Response

from beredskab.residents import active, consent
from beredskab.web.residents import resident_texts
from tests.beredskab.web.site import PRE, Site, site

__all__ = ["site"]

NUMBER = "+4520999002"
CODE = re.compile(r"\b(\d{6})\b")


async def _audit(site: Site) -> Counter[str]:
    counts: Counter[str] = Counter()
    async with site.app.db.read() as tx:
        for entry in await tx.audit.list():
            counts[entry.action] += entry.count
    return counts


async def _ask(
    site: Site,
    phone: str = "20 99 90 02",
    zone: str = "2",
    language: str = "so",
    consent_given: bool = True,
    sprog: str = "",
) -> Response:
    form = await site.client.get("/tilmeld")
    assert form.status_code == 200
    pre = PRE.search(form.text)
    assert pre is not None
    data = {"phone": phone, "zone": zone, "language": language, "pre": pre.group(1)}
    if sprog:
        data["sprog"] = sprog
    if consent_given:
        data["samtykke"] = consent.VERSION
    return await site.client.post("/tilmeld", data=data)


async def _code(site: Site, phone: str = NUMBER) -> str:
    async with site.app.db.read() as tx:
        sent = [
            d
            for d in await tx.deliveries.to_address(phone, limit=100)
            if d.template == "signup-code"
        ]
    assert sent, f"no code to {phone}"
    found = CODE.search(sent[-1].text)
    assert found is not None
    return found.group(1)


async def _enter(site: Site, code: str, sprog: str = "") -> Response:
    form = await site.client.get("/tilmeld/kode")
    pre = PRE.search(form.text)
    assert pre is not None, form.text
    data = {"code": code, "pre": pre.group(1), "sprog": sprog}
    return await site.client.post("/tilmeld/kode", data=data)


async def test_the_page_shows_the_consent_and_subscribes_after_the_code(site: Site) -> None:
    page = await site.client.get("/tilmeld")
    assert consent.full("da") in page.text and consent.VERSION in page.text
    assert 'name="pre"' in page.text and "beredskab_pre" in page.headers["set-cookie"]
    asked = await _ask(site)
    assert asked.status_code == 303 and asked.headers["location"] == "/tilmeld/kode"
    assert await active(db=site.app.db) == []  # nothing before the code
    code = await _code(site)
    async with site.app.db.read() as tx:
        (sent,) = [d for d in await tx.deliveries.to_address(NUMBER, limit=10)]
    assert sent.text == consent.sms("signup_code", "so", code=code, minutes=10)
    site.clock.advance(minutes=1)
    pending = site.client.cookies["beredskab_signup"]
    done = await _enter(site, code)
    assert done.status_code == 200 and "Du er tilmeldt" in done.text
    (sub,) = await active(db=site.app.db, zone=2, language="so")
    assert (sub.phone, sub.channel, sub.consent_version) == (NUMBER, "web", consent.VERSION)
    assert sub.consented_at == site.clock()
    async with site.app.db.read() as tx:
        texts = [d.text for d in await tx.deliveries.to_address(NUMBER, limit=10)]
        assert await tx.residents.signup(1) is None  # the pending sign-up is gone
    assert texts[-1] == consent.sms("subscribed", "so", zone=2)
    assert (await _audit(site))["residents.signup"] == 1
    # the code works once, even replayed with its cookie
    site.client.cookies.set(
        "beredskab_signup", pending, domain="beredskab.example.dk", path="/tilmeld"
    )
    assert "allerede brugt" in (await _enter(site, code)).text
    assert len(await active(db=site.app.db)) == 1


async def test_the_sign_up_code_cannot_open_a_session(site: Site) -> None:
    await _ask(site)
    code = await _code(site)
    pending = site.client.cookies["beredskab_signup"]
    site.client.cookies.set("beredskab_code", pending, domain="beredskab.example.dk", path="/login")
    form = await site.client.get("/login/kode")
    pre = PRE.search(form.text)
    assert pre is not None
    answer = await site.client.post("/login/kode", data={"code": code, "pre": pre.group(1)})
    assert answer.status_code == 400 and "beredskab_session" not in answer.headers.get(
        "set-cookie", ""
    )


async def test_wrong_codes_run_out(site: Site) -> None:
    await _ask(site)
    code = await _code(site)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        assert "Forkert kode" in (await _enter(site, wrong)).text
    assert "For mange forkerte forsøg" in (await _enter(site, wrong)).text
    assert "For mange forkerte forsøg" in (await _enter(site, code)).text
    assert await active(db=site.app.db) == []
    assert (await _audit(site))["residents.signup.failed"] == 6


async def test_an_expired_code_subscribes_nobody(site: Site) -> None:
    await _ask(site)
    code = await _code(site)
    site.clock.advance(minutes=11)
    assert "Koden er udløbet" in (await _enter(site, code)).text
    assert await active(db=site.app.db) == []


async def test_codes_are_throttled_per_number_and_audited(site: Site) -> None:
    for _ in range(5):
        assert (await _ask(site)).status_code == 303
    throttled = await _ask(site)
    assert throttled.status_code == 429 and "For mange koder" in throttled.text
    assert "residents.signup.throttled" in await _audit(site)
    # another number from the same client still works, until the per-client limit
    assert (await _ask(site, phone="+4520999003")).status_code == 303


async def test_bad_input_and_missing_consent_are_refused(site: Site) -> None:
    assert (await _ask(site, phone="12")).status_code == 400
    assert (await _ask(site, zone="7")).status_code == 400
    assert (await _ask(site, language="xx")).status_code == 400
    refused = await _ask(site, consent_given=False)
    assert refused.status_code == 400 and "samtykke" in refused.text
    async with site.app.db.read() as tx:
        assert await tx.deliveries.to_address(NUMBER, limit=10) == []


async def test_the_form_needs_its_token(site: Site) -> None:
    answer = await site.client.post(
        "/tilmeld",
        data={
            "phone": NUMBER,
            "zone": "2",
            "language": "da",
            "pre": "x" * 30,
            "samtykke": consent.VERSION,
        },
    )
    assert answer.status_code == 403


@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("so", "ltr"), ("uk", "ltr")])
async def test_the_sign_up_pages_speak_the_residents_language(
    site: Site, language: str, direction: str
) -> None:
    page = await site.client.get(f"/tilmeld?sprog={language}")
    assert page.status_code == 200
    assert f'<section class="card" lang="{language}" dir="{direction}">' in page.text
    assert consent.full(language) in page.text and consent.VERSION in page.text
    assert resident_texts("signup_title", language) in page.text
    assert f'value="{language}" lang="{language}" selected' in page.text
    refused = await _ask(site, phone="12", language=language, sprog=language)
    assert refused.status_code == 400
    assert resident_texts("bad_phone", language) in refused.text
    asked = await _ask(site, language=language, sprog=language)
    assert asked.headers["location"] == f"/tilmeld/kode?sprog={language}"
    code = await _code(site)
    form = await site.client.get(asked.headers["location"])
    assert resident_texts("code_title", language) in form.text
    wrong = await _enter(site, f"{(int(code) + 1) % 1_000_000:06d}", sprog=language)
    assert resident_texts("signin_wrong", language) in wrong.text
    done = await _enter(site, code, sprog=language)
    assert done.status_code == 200 and resident_texts("done", language, zone=2) in done.text
    (sub,) = await active(db=site.app.db, zone=2, language=language)
    assert sub.consent_version == consent.VERSION


async def test_an_unknown_page_language_is_the_page_language(site: Site) -> None:
    page = await site.client.get("/tilmeld?sprog=xx")
    assert page.status_code == 200 and consent.full("da") in page.text
    assert '<section class="card" lang="da" dir="ltr">' in page.text
