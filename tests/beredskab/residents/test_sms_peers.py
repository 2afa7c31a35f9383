"""Resident subscriptions by SMS: the inbox's Twilio handler in, the real Twilio peer (Prism)
out. Danish, Arabic (UCS-2) and Somali (GSM-7) answers; STOP then TILMELD again; numbers
outside the directory are still refused for everything else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from beredskab.app import App
from beredskab.delivery.outbox import Outbox
from beredskab.inbound import sms, sms_commands
from beredskab.inbound.inbox import HANDLERS
from beredskab.plan import Plan
from beredskab.residents import active, consent, still_subscribed
from beredskab.settings import ConsoleSettings, ServiceSettings, Settings
from beredskab.storage import Database
from notifier.base import Channel
from notifier.channels.console import ConsoleChannel
from notifier.channels.sms import TwilioConfig, TwilioSmsChannel
from notifier.types import ChannelKind
from playbooks.gsm import non_gsm
from tests.beredskab.helpers import CHIEF
from tests.conftest import TestClock
from tests.peers.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    PrismHttpClient,
    PrismServer,
    form,
)

RESIDENT = "+4520999001"
"""A number outside the directory (fictional)."""
TWILIO = TwilioConfig(
    account_sid=ACCOUNT_SID,
    auth_token=AUTH_TOKEN,
    from_number=FROM_NUMBER,
    status_callback_base="http://127.0.0.1:8080",
    timeout=30.0,
)


@pytest.fixture
async def service(
    db_url: str, clock: TestClock, plan: Plan, tmp_path: Path, prism: PrismServer
) -> AsyncIterator[tuple[App, PrismHttpClient]]:
    """The service with SMS through Twilio to Prism (the rest on the console channel)."""
    settings = Settings(
        service=ServiceSettings(data_dir=tmp_path),
        console=ConsoleSettings(outbox_file=tmp_path / "outbox.jsonl", echo=False),
    )
    db = Database(db_url, clock=clock)
    await db.upgrade()
    console = ConsoleChannel(settings.outbox_file, echo=None)
    http = PrismHttpClient(prism.base_url)
    channels: dict[ChannelKind, Channel] = {kind: console for kind in ChannelKind}
    channels[ChannelKind.SMS] = TwilioSmsChannel(TWILIO, http_client=http)
    outbox = Outbox(db=db, channels=channels, settings=settings.outbox)
    app = App(settings=settings, plan=plan, db=db, channels=channels, outbox=outbox)
    yield app, http
    await app.aclose()


_sids = iter(range(10**6))


async def _text(app: App, http: PrismHttpClient, body: str, **extra: str) -> tuple[str, str]:
    """Send ``body`` from the resident as Twilio's webhook payload; the outcome and the SMS
    body that went to Prism ("" if none)."""
    payload = {"MessageSid": f"SM{next(_sids):032d}", "From": RESIDENT, "Body": body, **extra}
    outcome = await HANDLERS["twilio-sms"](app, payload)
    before = len(http.sent)
    await app.outbox.drain()
    bodies = [form(r).get("Body", "") for r in http.sent[before:] if r.method == "POST"]
    assert all(status < 300 for status in http.statuses), http.statuses
    assert len(bodies) <= 1
    return outcome, bodies[0] if bodies else ""


@pytest.mark.parametrize(
    ("body", "language", "ucs2"),
    [("TILMELD 2", "da", False), ("tilmeld 2 ar", "ar", True), ("SUBSCRIBE 2 so", "so", False)],
)
async def test_subscribe_in_a_language_and_stop(
    service: tuple[App, PrismHttpClient], body: str, language: str, ucs2: bool
) -> None:
    app, http = service
    outcome, answer = await _text(app, http, body)
    assert outcome == f"resident: subscribed zone 2 {language}"
    assert answer == consent.sms("subscribed", language, zone=2)
    assert consent.VERSION in answer and "STOP" in answer
    assert bool(non_gsm(answer)) is ucs2  # Arabic goes as UCS-2, Danish and Somali as GSM-7
    (sub,) = await active(db=app.db, zone=2, language=language)
    assert (sub.phone, sub.channel, sub.consent_version) == (RESIDENT, "sms", consent.VERSION)
    assert sub.consented_at == sub.subscribed_at and sub.stopped_at is None

    outcome, answer = await _text(app, http, "STOP")
    assert outcome == "resident: stopped"
    assert answer == consent.sms("stopped", language)
    assert bool(non_gsm(answer)) is ucs2
    assert await active(db=app.db, zone=2) == []
    async with app.db.read() as tx:
        assert not await still_subscribed(tx, phone=RESIDENT)


async def test_stop_then_subscribe_again_records_a_new_consent(
    service: tuple[App, PrismHttpClient], clock: TestClock
) -> None:
    app, http = service
    await _text(app, http, "TILMELD 1 so")
    assert (await _text(app, http, "AFMELD"))[0] == "resident: stopped"
    assert (await _text(app, http, "afmeld"))[1] == consent.sms("not_subscribed", "so")
    clock.advance(minutes=5)
    outcome, answer = await _text(app, http, "TILMELD 3 da")
    assert outcome == "resident: subscribed again zone 3 da"
    assert answer == consent.sms("subscribed", "da", zone=3)
    async with app.db.read() as tx:
        assert await still_subscribed(tx, phone=RESIDENT)
        now = await tx.residents.current(RESIDENT)
    assert now is not None and (now.zone, now.language) == (3, "da")
    (sub,) = await active(db=app.db)
    assert sub.id == now.id
    # the first consent stays on record, ended by the STOP
    async with app.db.read() as tx:
        rows = await tx.residents.active(zone=None, language=None)
    assert [r.id for r in rows] == [now.id]


async def test_twilio_opt_out_stops_without_an_answer(
    service: tuple[App, PrismHttpClient],
) -> None:
    app, http = service
    await _text(app, http, "TILMELD 4 en")
    outcome, answer = await _text(app, http, "QUIT", OptOutType="STOP")
    assert outcome.startswith("resident: stopped") and "Twilio" in outcome
    assert answer == ""  # Twilio answered; a reply would be refused (21610)
    assert await active(db=app.db) == []


@pytest.mark.parametrize("body", ["HJÆLP", "STATUS", "OK", "AKTIVER 1 1234", "hej", "JA"])
async def test_other_commands_from_unknown_numbers_are_still_refused(
    service: tuple[App, PrismHttpClient], body: str
) -> None:
    app, http = service
    assert await _text(app, http, body) == ("unknown number", "")


async def test_only_e164_numbers_can_subscribe(service: tuple[App, PrismHttpClient]) -> None:
    app, _http = service
    for sender in ("whatsapp:+4520999001", "BEREDSKAB", "1234", "+4" + "5" * 40):
        assert await sms_commands.handle(app=app, sender=sender, body="TILMELD 2") == (
            "unknown number"
        )
    assert await active(db=app.db) == []


async def test_a_malformed_subscription_gets_the_usage(
    service: tuple[App, PrismHttpClient],
) -> None:
    app, http = service
    outcome, answer = await _text(app, http, "TILMELD 9")
    assert outcome == "resident: malformed TILMELD"
    assert answer == sms.usage("TILMELD", "da")
    assert await active(db=app.db) == []


async def test_a_directory_person_can_subscribe_too(
    service: tuple[App, PrismHttpClient],
) -> None:
    app, _http = service
    person = app.plan.directory.person(CHIEF)
    assert person is not None and person.phone
    outcome = await sms_commands.handle(app=app, sender=person.phone, body="TILMELD 1 en")
    assert outcome == "resident: subscribed zone 1 en"
    (sub,) = await active(db=app.db)
    assert sub.phone == person.phone


async def test_twilio_opt_out_from_a_directory_person_stops_their_subscription(
    service: tuple[App, PrismHttpClient],
) -> None:
    app, http = service
    person = app.plan.directory.person(CHIEF)
    assert person is not None and person.phone
    await sms_commands.handle(app=app, sender=person.phone, body="TILMELD 2")
    await app.outbox.drain()
    before = len(http.sent)
    outcome = await sms_commands.handle(app=app, sender=person.phone, body="Stop", opt_out="STOP")
    await app.outbox.drain()
    assert outcome == "resident: stopped (Twilio opt-out; Twilio answered)"
    assert len(http.sent) == before  # no answer of ours
    assert await active(db=app.db) == []
