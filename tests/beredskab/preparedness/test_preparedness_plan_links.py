"""Sign-off and verification requests link to the whole plan; the sign-off page shows the
links before its confirm button and serves the plan as PDF to the person asked."""

from __future__ import annotations

import io

from httpx import ASGITransport, AsyncClient
from pypdf import PdfReader

from beredskab import preparedness
from beredskab.app import App
from beredskab.preparedness import requests
from beredskab.web import create_app
from notifier.types import ChannelKind
from tests.beredskab.preparedness.test_preparedness import CHIEF, app, sent
from tests.beredskab.preparedness.test_preparedness_answers import _email_link
from tests.conftest import TestClock

__all__ = ["app"]

PLAN = "https://b.example.dk/plan"
ENGLISH = "daniel-okafor"


async def test_signoff_messages_link_to_the_plan_on_every_channel(app: App) -> None:
    await preparedness.request_signoff(app=app)
    rows = await sent(app, requests.SIGNOFF)
    assert {d.channel for d in rows} >= {ChannelKind.SMS, ChannelKind.EMAIL}
    for delivery in rows:
        assert PLAN in delivery.text, (delivery.person_id, delivery.channel)
    danish = next(d for d in rows if d.person_id == CHIEF and d.channel is ChannelKind.EMAIL)
    assert f"Læs hele planen her: {PLAN}" in danish.text


async def test_verification_emails_link_to_the_plan_and_sms_stays_one_segment(app: App) -> None:
    await preparedness.start_verification(app=app, actor="cli")
    rows = await sent(app, requests.VERIFY)
    emails = [d for d in rows if d.channel is ChannelKind.EMAIL]
    assert emails and all(PLAN in d.text for d in emails)
    [english] = [d for d in emails if d.person_id == ENGLISH]
    assert f"Read the whole plan here: {PLAN}" in english.text
    assert all(len(d.text) <= 160 for d in rows if d.channel is ChannelKind.SMS)


async def test_reminders_keep_the_plan_link(app: App, clock: TestClock) -> None:
    await preparedness.request_signoff(app=app)
    clock.advance(hours=48)
    assert await preparedness.remind_unanswered(app=app) > 0
    reminders = [d for d in await sent(app, requests.SIGNOFF) if "Påmindelse" in d.subject]
    assert reminders and all(PLAN in d.text for d in reminders)


async def test_the_signoff_page_links_the_plan_before_the_button(app: App) -> None:
    await preparedness.request_signoff(app=app)
    path = await _email_link(app, requests.SIGNOFF)
    web = create_app(app)
    async with AsyncClient(transport=ASGITransport(app=web), base_url="http://t") as client:
        page = (await client.get(path)).text
        token = path.removeprefix("/p/")
        pdf_link = f'href="{token}/plan.pdf"'
        assert pdf_link in page and 'href="/plan"' in page
        assert page.index(pdf_link) < page.index('<button type="submit"')
        pdf = await client.get(f"{path}/plan.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert f"Planversion {app.plan.version}" in text and "Pligter (§3)" in text
        assert not await _signed(app)  # reading the plan signs nothing
        forged = await client.get(f"{path[:-3]}AAA/plan.pdf")
        assert forged.status_code == 400
        assert (await client.post(path)).status_code == 200
        used = await client.get(f"{path}/plan.pdf")
        assert used.status_code == 410  # the link works while the request is open


async def test_the_verification_page_has_no_plan_pdf(app: App) -> None:
    await preparedness.start_verification(app=app, actor="cli")
    path = await _email_link(app, requests.VERIFY)
    web = create_app(app)
    async with AsyncClient(transport=ASGITransport(app=web), base_url="http://t") as client:
        assert "plan.pdf" not in (await client.get(path)).text
        assert (await client.get(f"{path}/plan.pdf")).status_code == 404


async def _signed(app: App) -> bool:
    lines = await preparedness.signoff_status(db=app.db, plan=app.plan)
    return any(line.person.id == CHIEF and line.signed_at for line in lines)
