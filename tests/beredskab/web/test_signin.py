"""Passwordless sign-in: a code by email (real SMTP peer), then a session cookie."""

from __future__ import annotations

from collections import Counter

from tests.beredskab.helpers import CHIEF
from tests.beredskab.web.site import Site


async def _audit_actions(site: Site) -> Counter[str]:
    """How often each action was audited (refusals from strangers are counted per minute)."""
    counts: Counter[str] = Counter()
    async with site.app.db.transaction() as tx:
        for entry in await tx.audit.list():
            counts[entry.action] += entry.count
    return counts


async def test_a_code_by_email_signs_the_person_in_with_a_hardened_cookie(site: Site) -> None:
    chief = site.app.plan.directory.person(CHIEF)
    assert chief is not None and chief.email
    answer = await site.request_code(chief.email)
    assert answer.status_code == 303
    code = await site.last_code(chief.email)
    signed_in = await site.enter_code(code)
    assert signed_in.status_code == 303
    cookie = signed_in.headers["set-cookie"]
    assert "beredskab_session=" in cookie
    for flag in ("HttpOnly", "Secure", "SameSite=lax"):
        assert flag.lower() in cookie.lower()
    # Signed in: the sign-in page sends the person on.
    assert (await site.client.get("/login")).status_code == 303
    assert "web.signin" in await _audit_actions(site)


async def test_an_unknown_number_looks_the_same_and_sends_nothing(site: Site) -> None:
    answer = await site.request_code("+45 99 99 99 99")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login/kode")
    await site.app.outbox.drain()
    assert site.smtp.handler.received == []
    wrong = await site.enter_code("123456")
    assert wrong.status_code == 400 and "Koden passer ikke" in wrong.text
    assert "web.signin.unknown" in await _audit_actions(site)


async def test_wrong_codes_run_out_and_then_even_the_right_code_is_refused(site: Site) -> None:
    chief = site.app.plan.directory.person(CHIEF)
    assert chief is not None and chief.email
    await site.request_code(chief.email)
    code = await site.last_code(chief.email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        assert "Koden passer ikke" in (await site.enter_code(wrong)).text
    assert "For mange forkerte forsøg" in (await site.enter_code(wrong)).text
    refused = await site.enter_code(code)
    assert refused.status_code == 400 and "For mange forkerte forsøg" in refused.text
    assert (await site.client.get("/")).status_code == 303  # still signed out
    assert (await _audit_actions(site))["web.signin.failed"] == 6


async def test_a_code_expires_and_works_only_once(site: Site) -> None:
    chief = site.app.plan.directory.person(CHIEF)
    assert chief is not None and chief.email
    await site.request_code(chief.email)
    code = await site.last_code(chief.email)
    site.clock.advance(minutes=11)
    assert "Koden er udløbet" in (await site.enter_code(code)).text
    await site.request_code(chief.email)
    code = await site.last_code(chief.email)
    pending = site.client.cookies["beredskab_code"]
    assert (await site.enter_code(code)).status_code == 303
    # Replay: the same code with the same pending-code cookie, from a signed-out browser.
    site.client.cookies.clear()
    site.client.cookies.set("beredskab_code", pending, domain="beredskab.example.dk", path="/login")
    assert "allerede brugt" in (await site.enter_code(code)).text


async def test_codes_per_hour_are_limited_and_audited(site: Site) -> None:
    chief = site.app.plan.directory.person(CHIEF)
    assert chief is not None and chief.email
    for _ in range(5):
        assert (await site.request_code(chief.email)).status_code == 303
    throttled = await site.request_code(chief.email)
    assert throttled.status_code == 429 and "mange koder" in throttled.text
    assert "web.signin.throttled" in await _audit_actions(site)


async def test_idle_sessions_end_and_sign_out_kills_the_cookie(site: Site) -> None:
    await site.sign_in(CHIEF)
    assert (await site.client.get("/")).status_code == 200
    site.clock.advance(minutes=121)
    answer = await site.client.get("/")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    site.client.cookies.clear()
    await site.sign_in(CHIEF)
    secret = site.client.cookies["beredskab_session"]
    csrf = await site.csrf("/")
    assert (await site.client.post("/logout", data={"csrf": "wrong"})).status_code == 403
    out = await site.client.post("/logout", data={"csrf": csrf})
    assert out.status_code == 303
    # The old cookie, replayed, no longer opens anything.
    site.client.cookies.set("beredskab_session", secret, domain="beredskab.example.dk")
    assert (await site.client.get("/")).status_code == 303
    assert "web.signout" in await _audit_actions(site)


async def test_each_sign_in_gets_a_new_session(site: Site) -> None:
    await site.sign_in(CHIEF)
    first = site.client.cookies["beredskab_session"]
    site.client.cookies.clear()
    await site.sign_in(CHIEF)
    assert site.client.cookies["beredskab_session"] != first


async def test_forms_before_sign_in_need_their_token(site: Site) -> None:
    for _ in range(3):
        answer = await site.client.post("/login", data={"identifier": "x@example.org"})
        assert answer.status_code == 403
    answer = await site.client.post("/login/kode", data={"code": "123456", "pre": "x" * 32})
    assert answer.status_code == 403
    assert (await _audit_actions(site))["web.signin.form_token"] == 4


async def test_a_person_with_only_a_phone_gets_the_code_by_sms(site: Site) -> None:
    person = next(p for p in site.app.plan.directory.people if p.phone and not p.email)
    await site.request_code(person.phone or "")
    async with site.app.db.transaction() as tx:
        rows = await tx.deliveries.to_address(person.phone or "")
    assert [(d.channel.value, d.template) for d in rows] == [("sms", "signin-code")]
