"""Sign-in reveals nothing and cannot be used to lock a person out (real SMTP peer, both DBs).

Known and unknown identifiers get byte-for-byte the same answers (tokens masked) before and
after every throttle; throttles count per client address, so another address cannot stop a
person's own browser from getting codes; a service-wide budget caps what is really sent.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

from httpx import Response

from beredskab.settings import WebSettings
from tests.beredskab.helpers import CHIEF, SSP
from tests.beredskab.web.site import Site, open_site
from tests.conftest import TestClock
from tests.peers.smtp import SmtpPeer

UNKNOWN = "nobody-here@example.org"
TOKEN = re.compile(r'(name="pre" value=")([A-Za-z0-9_-]+)(")')
COOKIE_VALUE = re.compile(r"^([a-z_]+)=[^;]*")


def _seen(response: Response) -> tuple[object, ...]:
    """Everything a client can observe, with the random per-response tokens masked."""
    body = TOKEN.sub(lambda m: m.group(1) + "x" * len(m.group(2)) + m.group(3), response.text)
    cookies = sorted(COOKIE_VALUE.sub(r"\1=…", c) for c in response.headers.get_list("set-cookie"))
    headers = sorted(k for k in response.headers if k != "set-cookie")
    return response.status_code, response.headers.get("location"), headers, cookies, body


async def _audit(site: Site) -> Counter[str]:
    counts: Counter[str] = Counter()
    async with site.app.db.transaction() as tx:
        for entry in await tx.audit.list(limit=1000):
            counts[entry.action] += entry.count
    return counts


async def _mails_to(site: Site, address: str) -> int:
    await site.app.outbox.drain()
    return len([m for m in site.smtp.handler.received if m.rcpt_tos == [address]])


def _email(site: Site, person_id: str) -> str:
    person = site.app.plan.directory.person(person_id)
    assert person is not None and person.email
    return person.email


async def _journey(browser: Site, identifier: str, wrong: str) -> list[tuple[object, ...]]:
    """Ask for codes past the throttle, then guess past the attempt limit; what was seen."""
    seen = [_seen(await browser.client.get("/login"))]
    for _ in range(browser.app.settings.web.codes_per_hour + 1):
        seen.append(_seen(await browser.request_code(identifier)))
    seen.append(_seen(await browser.client.get("/login/kode")))
    for _ in range(browser.app.settings.web.code_attempts + 1):
        seen.append(_seen(await browser.enter_code(wrong)))
    return seen


async def test_known_and_unknown_identifiers_get_identical_answers_in_every_state(
    site: Site,
) -> None:
    chief = _email(site, CHIEF)
    # A wrong guess for sure: the chief's real codes are read from the mail afterwards.
    known = await _journey(site.browser("192.0.2.10"), chief, "000000")
    unknown = await _journey(site.browser("192.0.2.11"), UNKNOWN, "000000")
    assert known == unknown
    statuses = [s[0] for s in known]
    assert statuses == [200, 303, 303, 303, 303, 303, 429, 200, 400, 400, 400, 400, 400, 400]
    assert "mange koder" in str(known[6][4]) and "For mange forkerte" in str(known[-1][4])
    # The known person was really sent the five codes; the unknown nothing, both audited.
    assert await _mails_to(site, chief) == 5
    assert len(site.smtp.handler.received) == 5
    codes = await _audit(site)
    assert codes["web.signin.code"] == 5 and codes["web.signin.unknown"] == 5
    assert codes["web.signin.throttled"] == 2 and codes["web.signin.failed"] == 12


async def test_phone_notations_are_one_identifier_for_the_throttle(site: Site) -> None:
    browser = site.browser("192.0.2.20")
    for notation in ["+45 20 10 00 03", "20100003", "+4520100003", "0045 2010 0003", "20 10 00 03"]:
        assert (await browser.request_code(notation)).status_code == 303
    assert (await browser.request_code("2010 0003")).status_code == 429


async def test_another_address_cannot_stop_the_chief_getting_her_code(site: Site) -> None:
    chief = _email(site, CHIEF)
    attacker = site.browser("198.51.100.66")
    answers = Counter([(await attacker.request_code(chief)).status_code for _ in range(30)])
    assert answers == {303: 5, 429: 25}
    for _ in range(10):  # burns the attempts of the attacker's own pending code only
        await attacker.enter_code("000000")
    # A whole network of addresses, each within its own limits.
    for n in range(8):
        other = site.browser(f"198.51.100.{n + 1}")
        for _ in range(6):
            await other.request_code(chief)
    before = await _mails_to(site, chief)
    # The chief, from her own phone, still gets a code and it works.
    assert (await site.request_code(chief)).status_code == 303
    assert await _mails_to(site, chief) == before + 1
    signed_in = await site.enter_code(await site.last_code(chief))
    assert signed_in.status_code == 303 and "beredskab_session=" in signed_in.headers["set-cookie"]
    audited = await _audit(site)
    assert audited["web.signin.throttled"] == 25 + 8 and audited["web.signin"] == 1
    async with site.app.db.transaction() as tx:
        throttled = [
            a for a in await tx.audit.list(limit=1000) if a.action == "web.signin.throttled"
        ]
    assert throttled[0].actor == "198.51.100.66" and throttled[0].count == 25


async def test_one_address_asking_for_many_people_is_throttled_the_same_way(site: Site) -> None:
    browser = site.browser("192.0.2.30")
    limit = site.app.settings.web.codes_per_client_hour
    identifiers = [f"person-{n}@example.org" for n in range(limit)]
    assert {(await browser.request_code(i)).status_code for i in identifiers} == {303}
    # Beyond the client's hourly allowance: 429 for a known and an unknown identifier alike.
    known = _seen(await browser.request_code(_email(site, SSP)))
    unknown = _seen(await browser.request_code("someone-else@example.org"))
    assert known == unknown and known[0] == 429
    assert await _mails_to(site, _email(site, SSP)) == 0
    # An hour later the address may ask again.
    site.clock.advance(minutes=61)
    assert (await browser.request_code(_email(site, SSP))).status_code == 303
    assert await _mails_to(site, _email(site, SSP)) == 1


async def test_the_service_wide_budget_caps_codes_and_answers_the_same(
    tmp_path: Path, smtp_peer: SmtpPeer, clock: TestClock, db_url: str
) -> None:
    web = WebSettings(signin_per_minute=1000, codes_per_hour_total=2)
    async with open_site(tmp_path, smtp_peer, clock, db_url, web) as site:
        chief, ssp = _email(site, CHIEF), _email(site, SSP)
        assert (await site.request_code(chief)).status_code == 303
        assert (await site.browser("192.0.2.40").request_code(ssp)).status_code == 303
        assert await _mails_to(site, chief) == await _mails_to(site, ssp) == 1
        # Spent: the answer is the same as for an unknown identifier, and nothing is sent.
        over = await site.browser("192.0.2.41").request_code(chief)
        unknown = await site.browser("192.0.2.42").request_code(UNKNOWN)
        assert _seen(over) == _seen(unknown) and over.status_code == 303
        assert await _mails_to(site, chief) == 1
        audited = await _audit(site)
        assert audited["web.signin.budget"] == 1 and audited["web.signin.unknown"] == 1
        # The budget refills within the hour.
        site.clock.advance(minutes=61)
        assert (await site.request_code(chief)).status_code == 303
        assert await _mails_to(site, chief) == 2


async def test_the_per_address_attempt_limit_is_audited(
    tmp_path: Path, smtp_peer: SmtpPeer, clock: TestClock, db_url: str
) -> None:
    web = WebSettings(signin_per_minute=3)
    async with open_site(tmp_path, smtp_peer, clock, db_url, web) as site:
        browser = site.browser("192.0.2.50")
        answers = [(await browser.request_code(UNKNOWN)).status_code for _ in range(3)]
        slowed = [await browser.request_code(_email(site, CHIEF)) for _ in range(4)]
        assert answers == [303, 303, 303]
        assert [r.status_code for r in slowed] == [429] * 4
        assert "For mange forsøg fra denne forbindelse" in slowed[0].text
        assert await _mails_to(site, _email(site, CHIEF)) == 0
        # Another address is not slowed by this one.
        assert (await site.request_code(_email(site, CHIEF))).status_code == 303
        async with site.app.db.transaction() as tx:
            rows = [a for a in await tx.audit.list() if a.action == "web.signin.slow_down"]
        assert [(a.actor, a.count, a.allowed) for a in rows] == [("192.0.2.50", 4, False)]


async def test_old_codes_are_forgotten(site: Site) -> None:
    await site.request_code(_email(site, CHIEF))
    await site.browser("192.0.2.60").request_code(UNKNOWN)
    site.clock.advance(hours=25)
    await site.request_code(UNKNOWN)
    async with site.app.db.transaction() as tx:
        assert (
            await tx.web.client_requests_since("127.0.0.1", site.clock.now - timedelta(days=9)) == 1
        )
        assert (
            await tx.web.client_requests_since("192.0.2.60", site.clock.now - timedelta(days=9))
            == 0
        )
