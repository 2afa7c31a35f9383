"""An Arabic and a Somali variant of a crisis communication sent through the Twilio peer
(Stoplight Prism serving Twilio's OpenAPI description): the body arrives in its language, in
the encoding and segment count the composer showed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from beredskab import communications
from beredskab.communications.languages import State, for_composer
from beredskab.delivery.links import LinkSigner
from beredskab.delivery.outbox import Outbox
from beredskab.delivery.pacing import PaceLimits
from beredskab.incident import activation
from beredskab.plan import Plan
from beredskab.settings import OutboxSettings
from beredskab.storage import Database
from notifier.channels.sms import TwilioConfig, TwilioSmsChannel, sms_segments
from notifier.types import ChannelKind, DeliveryStatus
from playbooks.gsm import segments
from playbooks.schema import TemplateKind
from tests.beredskab.helpers import CHIEF, STAFF, deliveries
from tests.beredskab.language_plan import (
    ARABIC_NUMBER,
    SOMALI_NUMBER,
    TIGRINYA_NUMBER,
    plan_with_languages,
)
from tests.peers.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    PrismHttpClient,
    PrismServer,
)

TWILIO = TwilioConfig(
    account_sid=ACCOUNT_SID,
    auth_token=AUTH_TOKEN,
    from_number=FROM_NUMBER,
    status_callback_base="http://127.0.0.1:8080",
    timeout=30.0,
)


@pytest.fixture
async def sms(prism: PrismServer) -> AsyncIterator[tuple[TwilioSmsChannel, PrismHttpClient]]:
    http = PrismHttpClient(prism.base_url)
    channel = TwilioSmsChannel(TWILIO, http_client=http)
    yield channel, http
    await channel.aclose()


async def test_arabic_and_somali_variants_reach_twilio_in_their_encoding(
    db: Database, tmp_path: Path, sms: tuple[TwilioSmsChannel, PrismHttpClient]
) -> None:
    plan: Plan = plan_with_languages(tmp_path)
    channel, http = sms
    incident = (
        await activation.activate(
            db=db,
            plan=plan,
            playbook="1",
            actor_id=CHIEF,
            channel="cli",
            description="Brand i opgang 3",
            zone=1,
        )
    ).incident
    item = await communications.draft(
        db=db,
        plan=plan,
        incident_id=incident.id,
        actor_id=STAFF,
        channel="web",
        audience="partners",
        template=TemplateKind.RESIDENT_INFORMATION,
    )
    shown = {
        v.language: v
        for v in for_composer(
            plan=plan, incident=incident, playbook=plan.playbook("1"), item=item, max_segments=8
        )
    }
    for step in (communications.approve, communications.send):
        await step(
            db=db,
            plan=plan,
            incident_id=incident.id,
            communication_id=item.id,
            actor_id=CHIEF,
            channel="web",
        )
    outbox = Outbox(
        db=db,
        channels={ChannelKind.SMS: channel},
        settings=OutboxSettings(max_attempts=2),
        pacing={ChannelKind.SMS: PaceLimits(rate_per_second=50)},
        signer=LinkSigner.random(),
    )
    await outbox.drain()
    rows = [d for d in await deliveries(db, incident.id) if d.template == item.template]
    assert {d.status for d in rows} == {DeliveryStatus.SENT}
    readers = {ARABIC_NUMBER, SOMALI_NUMBER, TIGRINYA_NUMBER}
    creates = [r for r in http.sent if r.method == "POST" and r.data["To"] in readers]
    bodies = {r.data["To"]: str(r.data["Body"]) for r in creates}
    assert len(creates) == len(bodies) == 3  # one message each (the alert went to others)
    arabic, somali = bodies[ARABIC_NUMBER], bodies[SOMALI_NUMBER]
    assert arabic.startswith("أعزاءنا السكان") and "Brand i opgang 3" in arabic
    assert somali.startswith("Dadka deegaanka ee sharafta leh")
    assert bodies[TIGRINYA_NUMBER] == item.text  # no Tigrinya variant: Danish
    # what Twilio got is what the composer counted: UCS-2 for Arabic, GSM-7 for Somali
    for body, language, encoding in ((arabic, "ar", "UCS-2"), (somali, "so", "GSM-7")):
        size = segments(body)
        assert shown[language].state is State.CURRENT
        assert shown[language].segments == size
        assert size.encoding == encoding
        assert size.count == sms_segments(body) > 1
    assert segments(arabic).count == -(-len(arabic) // 67)
