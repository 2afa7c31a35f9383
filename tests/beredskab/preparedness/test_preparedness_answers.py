"""Answers to sign-off and verification requests: SMS JA, the email link page."""

from __future__ import annotations

import dataclasses
import re

import pytest
from httpx import ASGITransport, AsyncClient

from beredskab import preparedness
from beredskab.app import App
from beredskab.inbound import sms
from beredskab.preparedness import requests
from beredskab.preparedness.readiness import readiness
from beredskab.web import create_app
from notifier.types import ChannelKind
from tests.beredskab.inbound.test_sms_commands import last_reply
from tests.beredskab.inbound.test_sms_commands import sms as send_sms
from tests.beredskab.preparedness.test_preparedness import CHIEF, app, sent

__all__ = ["app"]

LINK = re.compile(r"https://b\.example\.dk(/p/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


@pytest.mark.parametrize("body", ["JA", "ja", "Ja.", "YES", " ja tak "])
def test_ja_parses(body: str) -> None:
    assert sms.parse(body) == sms.Yes()


async def signed_off(app: App, person_id: str) -> bool:
    lines = await preparedness.signoff_status(db=app.db, plan=app.plan)
    return any(line.person.id == person_id and line.signed_at for line in lines)


async def test_sms_ja_answers_the_newest_open_request(app: App) -> None:
    assert await send_sms(app, CHIEF, "JA") == "yes: nothing open"
    await preparedness.request_signoff(app=app)
    campaign, _ = await preparedness.start_verification(app=app, actor="cli")

    assert await send_sms(app, CHIEF, "JA") == f"yes: verify {campaign.id}"
    assert "kontaktoplysninger er bekræftet" in await last_reply(app, CHIEF)
    assert not await signed_off(app, CHIEF)

    assert await send_sms(app, CHIEF, "ja") == f"yes: signoff {app.plan.version}"
    assert "beredskabsplanen" in await last_reply(app, CHIEF)
    assert await signed_off(app, CHIEF)
    assert await send_sms(app, CHIEF, "JA") == "yes: nothing open"


async def test_sms_ja_ignores_an_old_plan_version(app: App) -> None:
    await preparedness.request_signoff(app=app)
    app.plan = dataclasses.replace(app.plan, version="new-version")
    assert await send_sms(app, CHIEF, "JA") == "yes: nothing open"
    await preparedness.request_signoff(app=app)
    assert await send_sms(app, CHIEF, "JA") == "yes: signoff new-version"
    assert await signed_off(app, CHIEF)


async def test_email_link_page_confirms_once(app: App) -> None:
    await preparedness.request_signoff(app=app)
    [email] = [
        d
        for d in await sent(app, requests.SIGNOFF)
        if d.person_id == CHIEF and d.channel is ChannelKind.EMAIL
    ]
    match = LINK.search(email.text)
    assert match is not None
    path = match.group(1)
    web = create_app(app)
    async with AsyncClient(transport=ASGITransport(app=web), base_url="http://t") as client:
        page = await client.get(path)
        assert page.status_code == 200 and "Maria Friis" in page.text
        assert not await signed_off(app, CHIEF)  # looking changes nothing
        forged = await client.post(path[:-3] + "AAA")
        assert forged.status_code == 400
        done = await client.post(path)
        assert done.status_code == 200 and "Tak" in done.text
        assert await signed_off(app, CHIEF)
        again = await client.post(path)
        assert again.status_code == 410


async def _email_link(app: App, kind: str) -> str:
    [email] = [
        d for d in await sent(app, kind) if d.person_id == CHIEF and d.channel is ChannelKind.EMAIL
    ]
    match = LINK.search(email.text)
    assert match is not None
    return match.group(1)


async def test_verification_page_shows_details_and_old_links_die(app: App) -> None:
    campaign, _ = await preparedness.start_verification(app=app, actor="cli")
    await preparedness.request_signoff(app=app)
    verify_path = await _email_link(app, requests.VERIFY)
    signoff_path = await _email_link(app, requests.SIGNOFF)
    app.plan = dataclasses.replace(app.plan, version="new-version")
    web = create_app(app)
    async with AsyncClient(transport=ASGITransport(app=web), base_url="http://t") as client:
        page = await client.get(verify_path)
        assert page.status_code == 200 and "maria-friis@example.org" in page.text
        stale = await client.post(signoff_path)
        assert stale.status_code == 410 and "forældet" in stale.text
        await preparedness.campaign_report(app=app, end=True)
        ended = await client.post(verify_path)
        assert ended.status_code == 410
    report = await preparedness.campaign_report(app=app, campaign_id=campaign.id)
    assert report.confirmed == ()


async def test_the_link_page_speaks_the_language_of_the_person_asked(app: App) -> None:
    english = "daniel-okafor"  # language = "en" in the example directory
    await preparedness.start_verification(app=app, actor="cli")
    [email] = [
        d
        for d in await sent(app, requests.VERIFY)
        if d.person_id == english and d.channel is ChannelKind.EMAIL
    ]
    match = LINK.search(email.text)
    assert match is not None
    web = create_app(app)
    async with AsyncClient(transport=ASGITransport(app=web), base_url="http://t") as client:
        page = await client.get(match.group(1))
        assert '<html lang="en">' in page.text
        assert "Are your contact details right?" in page.text
        assert "The details are right" in page.text and "Telefon" not in page.text
        done = await client.post(match.group(1))
        assert "Thank you" in done.text
    report = await readiness(db=app.db, plan=app.plan)
    assert next(p for p in report.people if p.id == english).verified_at is not None
