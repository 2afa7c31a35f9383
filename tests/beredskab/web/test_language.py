"""The web speaks ``[service] language`` to people who name none, and shows Danish local time
with the date when it is not today."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from httpx import ASGITransport, AsyncClient

from beredskab.app import App
from beredskab.i18n import Language
from beredskab.incident import activation
from beredskab.settings import WebSettings
from beredskab.web import create_app
from tests.beredskab.helpers import CHIEF
from tests.beredskab.web.site import BASE, Site
from tests.beredskab.web.test_ack_links import settings_for
from tests.conftest import TestClock
from tests.peers.smtp import SmtpPeer

DANISH_READER = "daniel-okafor"
"""Named "en" in the directory: keeps English whatever the service default is."""


@asynccontextmanager
async def _site(
    tmp_path: Path, smtp: SmtpPeer, clock: TestClock, db_url: str, language: Language
) -> AsyncIterator[Site]:
    base = settings_for(tmp_path, smtp, db_url)
    settings = base.model_copy(
        update={
            "service": base.service.model_copy(update={"language": language}),
            "web": WebSettings(signin_per_minute=1000),
        }
    )
    app = App.build(settings, clock=clock)
    await app.start()
    asgi = create_app(app)
    try:
        async with AsyncClient(transport=ASGITransport(app=asgi), base_url=BASE) as client:
            yield Site(app, client, smtp, clock, web=asgi)
    finally:
        await app.aclose()


async def test_web_in_english_by_config(
    tmp_path: Path, smtp_peer: SmtpPeer, clock: TestClock, db_url: str
) -> None:
    async with _site(tmp_path, smtp_peer, clock, db_url, "en") as site:
        login = await site.client.get("/login")
        assert '<html lang="en">' in login.text and "Sign in" in login.text
        chief = site.app.plan.directory.person(CHIEF)
        assert chief is not None and chief.language == "en"  # the directory names none
        # clock: 27 November 02:00 UTC, 03:00 in Copenhagen
        result = await activation.activate(
            db=site.app.db,
            plan=site.app.plan,
            playbook="gruppe-1",
            actor_id=CHIEF,
            channel="cli",
            description="Brand i kælderen",
        )
        nr = result.incident.id
        await site.sign_in(CHIEF)
        listing = (await site.client.get("/")).text
        assert '<html lang="en">' in listing and "Activated 03:00" in listing
        page = (await site.client.get(f"/haendelse/{nr}")).text
        assert "Activated by Maria Friis, 03:00" in page
        site.clock.advance(days=1)
        await site.sign_in(CHIEF)  # a session lasts less than a day
        listing = (await site.client.get("/")).text
        assert "Activated 27 Nov 03:00" in listing
        page = (await site.client.get(f"/haendelse/{nr}")).text
        assert "Activated by Maria Friis, 27 Nov 03:00" in page


async def test_danish_by_default_and_a_named_language_is_kept(
    tmp_path: Path, smtp_peer: SmtpPeer, clock: TestClock, db_url: str
) -> None:
    async with _site(tmp_path, smtp_peer, clock, db_url, "da") as site:
        login = await site.client.get("/login")
        assert '<html lang="da">' in login.text and "Log ind" in login.text
        reader = site.app.plan.directory.person(DANISH_READER)
        assert reader is not None and reader.language == "en"
        await activation.activate(
            db=site.app.db,
            plan=site.app.plan,
            playbook="gruppe-1",
            actor_id=CHIEF,
            channel="cli",
            description="Brand i kælderen",
        )
        site.clock.advance(days=1)
        await site.sign_in(CHIEF)
        assert "Aktiveret 27.11. 03:00" in (await site.client.get("/")).text
