"""Passwordless sign-in: a code by email (real SMTP peer), then a session cookie."""

from __future__ import annotations

from tests.beredskab.helpers import CHIEF
from tests.beredskab.web.site import Site


async def _audit_actions(site: Site) -> list[str]:
    async with site.app.db.transaction() as tx:
        return [a.action for a in await tx.audit.list()]


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
