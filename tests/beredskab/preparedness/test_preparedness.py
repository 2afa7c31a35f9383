"""Preparedness between incidents: plan sign-off, verification campaigns, readiness report."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from beredskab import preparedness
from beredskab.app import App
from beredskab.delivery.outbox import Outbox
from beredskab.errors import InvalidStateError
from beredskab.models import Delivery
from beredskab.plan import Plan
from beredskab.preparedness import requests, signoff
from beredskab.preparedness.readiness import readiness, render
from beredskab.security import pins
from beredskab.settings import ConsoleSettings, ServiceSettings, Settings
from beredskab.storage import Database
from notifier.base import Channel
from notifier.channels.console import ConsoleChannel
from notifier.types import ChannelKind
from tests.beredskab.inbound.test_sms_commands import CHEAP
from tests.conftest import TestClock

CHIEF = "maria-friis"
SECRETARIAT_LEADERS = {"karen-hald", "emil-rask"}
PHONE_ONLY = "rasmus-toft"


@pytest.fixture
async def app(db_url: str, clock: TestClock, plan: Plan, tmp_path: Path) -> AsyncIterator[App]:
    """The service on the console channel and the test clock."""
    settings = Settings(
        service=ServiceSettings(data_dir=tmp_path, public_base_url="https://b.example.dk"),
        console=ConsoleSettings(outbox_file=tmp_path / "outbox.jsonl", echo=False),
    )
    db = Database(db_url, clock=clock)
    await db.upgrade()
    console = ConsoleChannel(settings.outbox_file, echo=None)
    channels: dict[ChannelKind, Channel] = {kind: console for kind in ChannelKind}
    outbox = Outbox(db=db, channels=channels, settings=settings.outbox)
    service = App(settings=settings, plan=plan, db=db, channels=channels, outbox=outbox)
    yield service
    await service.aclose()


async def sent(app: App, template: str) -> list[Delivery]:
    """Every queued message of a template, oldest first."""
    found: list[Delivery] = []
    for person in app.plan.directory.people:
        for address in (person.phone, person.email):
            if address:
                async with app.db.transaction() as tx:
                    rows = await tx.deliveries.to_address(address, limit=1000)
                found += [d for d in rows if d.template == template]
    return sorted(found, key=lambda d: d.id)


async def test_signoff_asks_every_participant_once_per_version(app: App) -> None:
    expected = {p.id for p in signoff.signers(app.plan)}
    assert CHIEF in expected and PHONE_ONLY not in expected

    first = await preparedness.request_signoff(app=app)
    assert set(first.asked) == expected and first.already_asked == ()
    rows = await sent(app, requests.SIGNOFF)
    assert {d.person_id for d in rows} == expected
    assert all(app.plan.version in d.subject for d in rows)
    email = next(d for d in rows if d.channel is ChannelKind.EMAIL)
    assert "https://b.example.dk/p/" in email.text

    again = await preparedness.request_signoff(app=app)
    assert again.asked == () and set(again.already_asked) == expected
    assert len(await sent(app, requests.SIGNOFF)) == len(rows)

    app.plan = dataclasses.replace(app.plan, version="new-version")
    changed = await preparedness.request_signoff(app=app)
    assert set(changed.asked) == expected
    status = await preparedness.signoff_status(db=app.db, plan=app.plan)
    assert {line.person.id for line in status if line.asked_at is not None} == expected


async def test_overlapping_signoff_requests_skip_those_already_asked(app: App) -> None:
    expected = {p.id for p in signoff.signers(app.plan)}
    # Two operators at once: on PostgreSQL both read "nobody asked" before either commits.
    rounds = await asyncio.gather(
        preparedness.request_signoff(app=app), preparedness.request_signoff(app=app)
    )
    first, second = sorted(rounds, key=lambda r: len(r.asked), reverse=True)
    assert set(first.asked) == expected and first.already_asked == ()
    assert second.asked == () and set(second.pending) == expected
    rows = await sent(app, requests.SIGNOFF)
    assert len({d.person_id for d in rows}) == len(expected)
    assert len(rows) == first.messages  # nobody got the request twice

    await preparedness.record_signoff(
        db=app.db, plan=app.plan, person_id=CHIEF, version=app.plan.version, via="cli"
    )
    third = await preparedness.request_signoff(app=app)
    assert third.asked == () and third.messages == 0
    assert third.already_signed == (CHIEF,) and set(third.pending) == expected - {CHIEF}
    assert len(await sent(app, requests.SIGNOFF)) == len(rows)


async def test_record_signoff_is_idempotent_and_audited(app: App) -> None:
    await preparedness.request_signoff(app=app)
    version = app.plan.version
    first = await preparedness.record_signoff(
        db=app.db, plan=app.plan, person_id=CHIEF, version=version, via="cli"
    )
    second = await preparedness.record_signoff(
        db=app.db, plan=app.plan, person_id=CHIEF, version=version, via="sms"
    )
    assert first.changed and not second.changed and second.request.via == "cli"
    async with app.db.transaction() as tx:
        audited = [a for a in await tx.audit.list(limit=50) if a.action == "preparedness.signoff"]
    assert [a.actor for a in audited] == [CHIEF]
    status = {
        line.person.id: line for line in await preparedness.signoff_status(db=app.db, plan=app.plan)
    }
    assert status[CHIEF].signed_at is not None and status["kim-holm"].signed_at is None


async def test_verification_reminds_only_the_unanswered(app: App, clock: TestClock) -> None:
    campaign, messages = await preparedness.start_verification(app=app, actor="cli")
    everyone = {p.id for p in app.plan.directory.people}
    asked = await sent(app, requests.VERIFY)
    assert {d.person_id for d in asked} == everyone and messages == len(asked)
    only_phone = next(d for d in asked if d.person_id == PHONE_ONLY)
    assert "e-mail ingen" in only_phone.text and "Telegram nej" in only_phone.text
    assert all(len(d.text) <= 160 for d in asked if d.channel is ChannelKind.SMS)
    email = next(d for d in asked if d.person_id == CHIEF and d.channel is ChannelKind.EMAIL)
    assert "E-mail: maria-friis@" in email.text and "Telegram tilknyttet: nej" in email.text
    with pytest.raises(InvalidStateError):
        await preparedness.start_verification(app=app, actor="cli")

    await preparedness.record_verification(
        db=app.db, plan=app.plan, person_id=CHIEF, campaign_id=campaign.id, via="sms"
    )
    assert await preparedness.remind_unanswered(app=app) == 0  # not due yet
    clock.advance(hours=48)
    reminded = await preparedness.remind_unanswered(app=app)
    assert reminded == len(everyone) - 1
    reminders = [
        d
        for d in await sent(app, requests.VERIFY)
        if d.subject.startswith(("Påmindelse: ", "Reminder: "))  # daniel-okafor reads English
    ]
    assert {d.person_id for d in reminders} == everyone - {CHIEF}
    assert await preparedness.remind_unanswered(app=app) == 0  # just reminded


async def test_secretariat_leader_gets_the_summary(app: App, clock: TestClock) -> None:
    campaign, _ = await preparedness.start_verification(app=app, actor="cli")
    await preparedness.record_verification(
        db=app.db, plan=app.plan, person_id=CHIEF, campaign_id=campaign.id, via="email"
    )
    report = await preparedness.campaign_report(app=app, end=True)
    assert [p.id for p, _, _ in report.confirmed] == [CHIEF]
    assert PHONE_ONLY in {p.id for p in report.missing}
    assert set(report.sent_to) == SECRETARIAT_LEADERS
    summaries = await sent(app, "verify-report")
    assert {d.person_id for d in summaries} == SECRETARIAT_LEADERS
    assert "Maria Friis" in summaries[0].text and "Rasmus Toft" in summaries[0].text
    assert report.campaign.ended_at is not None
    clock.advance(hours=48)
    assert await preparedness.remind_unanswered(app=app) == 0  # an ended campaign is over


async def test_readiness_shows_the_example_gaps_and_changes(app: App) -> None:
    report = await readiness(db=app.db, plan=app.plan)
    assert "projektchef" in report.single_holder_roles
    assert PHONE_ONLY in report.one_channel
    assert CHIEF in report.activators_without_pin
    assert set(report.stale) == {p.id for p in app.plan.directory.people}
    text = render(report, app.plan)
    assert "ENKELTPUNKTSFEJL" in text and "Rasmus Toft (rasmus-toft)" in text
    assert report.to_json()["one_channel"] == list(report.one_channel)
    # Mutual deputies who are both called: Sara's deputy Omar is SSP too, so the SSP role's
    # own deputy stands in; Birgit and Jonas (both chef-beskaeftigelse) have nobody else.
    called = {(c.person, c.deputy, c.playbook): c.stand_in for c in report.called_deputies}
    assert called[("sara-lund", "omar-nielsen", "gruppe-2")] == "lise-krogh"
    assert called[("birgit-dahl", "jonas-berg", "gruppe-2")] is None
    assert not [c for c in report.called_deputies if c.person == "henrik-moeller"]  # Lise is free
    assert {"ssp", "chef-beskaeftigelse"} <= set(report.all_deputies_roles)
    assert "projektchef" not in report.all_deputies_roles
    assert (
        "Birgit Dahl (birgit-dahl) -> Jonas Berg (jonas-berg) (gruppe 2): ingen kan træde til"
        in text
    )
    assert (
        "Sara Lund (sara-lund) -> Omar Nielsen (omar-nielsen) (gruppe 2): "
        "Lise Krogh (lise-krogh) træder til i stedet" in text
    )
    assert report.to_json()["called_deputies"][0]["deputy"]
    english = render(report, app.plan, "en")
    assert "SINGLE POINTS OF FAILURE" in english and "ENKELTPUNKTSFEJL" not in english
    assert (
        "Birgit Dahl (birgit-dahl) -> Jonas Berg (jonas-berg) (group 2): nobody can stand in"
        in english
    )

    await pins.set_pin(db=app.db, plan=app.plan, person_id=CHIEF, pin="4711", hasher=CHEAP)
    async with app.db.transaction() as tx:
        await tx.people.link_telegram(PHONE_ONLY, user_id=77, chat_id=77, now=tx.now)
    campaign, _ = await preparedness.start_verification(app=app, actor="cli")
    await preparedness.record_verification(
        db=app.db, plan=app.plan, person_id=PHONE_ONLY, campaign_id=campaign.id, via="sms"
    )
    after = await readiness(db=app.db, plan=app.plan)
    assert CHIEF not in after.activators_without_pin
    assert PHONE_ONLY not in after.one_channel and PHONE_ONLY not in after.stale
    person = next(p for p in after.people if p.id == PHONE_ONLY)
    assert person.telegram and person.verified_at is not None


async def test_a_new_campaign_is_due_after_the_configured_days(app: App, clock: TestClock) -> None:
    first = await preparedness.start_due_verification(app=app)
    assert first is not None
    assert await preparedness.start_due_verification(app=app) is None  # still running
    await preparedness.campaign_report(app=app, end=True)
    clock.advance(days=179)
    assert await preparedness.start_due_verification(app=app) is None
    clock.advance(days=1)
    second = await preparedness.start_due_verification(app=app)
    assert second is not None and second.id == first.id + 1
