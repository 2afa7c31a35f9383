"""The whole web app over ASGI with the real SMTP peer: sign-in codes arrive as real email.

``Site.sign_in(person_id)`` walks the sign-in pages as a browser would and leaves the client
holding the session cookie; ``Site.csrf()`` reads the token a form needs.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response

from beredskab.app import App
from beredskab.settings import WebSettings
from beredskab.web import create_app
from tests.beredskab.web.test_ack_links import settings_for
from tests.conftest import TestClock
from tests.peers.smtp import SmtpPeer

BASE = "https://beredskab.example.dk"
CODE = re.compile(r"\b(\d{6})\b")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PRE = re.compile(r'name="pre" value="([^"]+)"')


@dataclass
class Site:
    """The built service, a browser-like client and the mail it sent."""

    app: App
    client: AsyncClient
    smtp: SmtpPeer
    clock: TestClock
    base: str = BASE
    web: FastAPI | None = None

    def browser(self, host: str) -> Site:
        """The same site seen from another client address (a browser of its own)."""
        assert self.web is not None
        transport = ASGITransport(app=self.web, client=(host, 50000))
        return replace(self, client=AsyncClient(transport=transport, base_url=self.base))

    async def request_code(self, identifier: str) -> Response:
        """Fill in the first sign-in page."""
        form = await self.client.get("/login")
        pre = PRE.search(form.text)
        assert pre is not None
        return await self.client.post(
            "/login", data={"identifier": identifier, "pre": pre.group(1), "next": "/"}
        )

    async def last_code(self, email: str) -> str:
        """The code in the newest sign-in email to ``email``."""
        await self.app.outbox.drain()
        mails = [m for m in self.smtp.handler.received if m.rcpt_tos == [email]]
        assert mails, f"no mail to {email}"
        for mail in reversed(mails):  # the newest that carries a code (alerts may come later)
            body = mail.message.get_body(("plain",))
            found = CODE.search(body.get_content()) if body is not None else None
            if found is not None:
                return found.group(1)
        raise AssertionError(f"no sign-in code mailed to {email}")

    async def enter_code(self, code: str, next: str = "/") -> Response:
        """Fill in the code page."""
        form = await self.client.get("/login/kode")
        pre = PRE.search(form.text)
        assert pre is not None
        return await self.client.post(
            "/login/kode", data={"code": code, "pre": pre.group(1), "next": next}
        )

    async def sign_in(self, person_id: str) -> None:
        """Sign in as a directory person through the pages and the real email."""
        person = self.app.plan.directory.person(person_id)
        assert person is not None and person.email
        await self.request_code(person.email)
        answer = await self.enter_code(await self.last_code(person.email))
        assert answer.status_code == 303, answer.text

    async def csrf(self, path: str = "/") -> str:
        """The CSRF token on a signed-in page."""
        found = CSRF.search((await self.client.get(path)).text)
        assert found is not None
        return found.group(1)


@asynccontextmanager
async def open_site(
    tmp_path: Path, smtp_peer: SmtpPeer, clock: TestClock, db_url: str, web: WebSettings
) -> AsyncIterator[Site]:
    """The service with these web settings, and a browser on it."""
    settings = settings_for(tmp_path, smtp_peer, db_url).model_copy(update={"web": web})
    app = App.build(settings, clock=clock)
    await app.start()
    asgi = create_app(app)
    try:
        async with AsyncClient(transport=ASGITransport(app=asgi), base_url=BASE) as client:
            yield Site(app, client, smtp_peer, clock, web=asgi)
    finally:
        await app.aclose()


@pytest.fixture
async def site(
    tmp_path: Path, smtp_peer: SmtpPeer, clock: TestClock, db_url: str
) -> AsyncIterator[Site]:
    async with open_site(
        tmp_path, smtp_peer, clock, db_url, WebSettings(signin_per_minute=1000)
    ) as opened:
        yield opened
