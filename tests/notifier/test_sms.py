"""Twilio SMS and voice through the real twilio library, against Prism and canned answers."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from xml.etree import ElementTree

import aiohttp
import pytest
import pytest_asyncio
from twilio.base import values
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from notifier import wire
from notifier.channels.sms import (
    TwilioConfig,
    TwilioSmsChannel,
    TwilioVoiceChannel,
    is_gsm7,
    sms_segments,
    voice_twiml,
)
from notifier.errors import (
    ChannelConfigError,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnknownOutcomeError,
)
from notifier.types import ChannelKind, DeliveryStatus, Message, Recipient
from tests.peers.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    SERVICE_SID,
    CannedHttpClient,
    PrismHttpClient,
    PrismServer,
    form,
    message_created,
    query,
    twilio_error,
)

CONFIG = TwilioConfig(
    account_sid=ACCOUNT_SID,
    auth_token=AUTH_TOKEN,
    from_number=FROM_NUMBER,
    status_callback_base="https://beredskab.example",
    timeout=10,
)
TO = Recipient(person_id="p-1", kind=ChannelKind.SMS, address="+4512345678")
MESSAGE = Message(
    key="delivery-42",
    subject="Beredskab",
    text="Lang tekst",
    short_text="ØVELSE: Gruppe 2 aktiveret. Mød på kontoret. Svar OK.",
)
MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


@pytest_asyncio.fixture
async def http(prism: PrismServer) -> AsyncIterator[PrismHttpClient]:
    client = PrismHttpClient(prism.base_url)
    yield client
    await client.close()


async def test_sms_request_carries_validity_and_callback(http: PrismHttpClient) -> None:
    channel = TwilioSmsChannel(CONFIG, http_client=http)
    receipt = await channel.send(TO, MESSAGE)
    await channel.aclose()

    assert http.statuses == [201]  # Prism validated the request against Twilio's spec
    [sent] = http.sent
    assert (sent.method, sent.path) == ("POST", MESSAGES_PATH)
    assert form(sent) == {
        "To": "+4512345678",
        "From": FROM_NUMBER,
        "Body": MESSAGE.short_text,
        "ValidityPeriod": "900",
        "StatusCallback": "https://beredskab.example/webhooks/twilio/status?delivery=delivery-42",
    }
    assert receipt.provider_id.startswith("SM")
    assert receipt.status is DeliveryStatus.SENT


async def test_sms_through_messaging_service_without_callback(http: PrismHttpClient) -> None:
    config = replace(
        CONFIG, from_number=None, messaging_service_sid=SERVICE_SID, status_callback_base=None
    )
    channel = TwilioSmsChannel(config, http_client=http)
    await channel.send(TO, MESSAGE)
    await channel.aclose()
    assert http.statuses == [201]
    sent = form(http.sent[0])
    assert sent["MessagingServiceSid"] == SERVICE_SID
    assert "From" not in sent
    assert "StatusCallback" not in sent


async def test_prism_validates_requests_against_the_spec(http: PrismHttpClient) -> None:
    """The 201s above mean something: Prism refuses a message without ``To``."""
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http)
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to=values.unset, from_=FROM_NUMBER, body="x")
    assert caught.value.status == 422
    assert "To" not in form(http.sent[0])


async def test_empty_number_is_permanent_without_a_request() -> None:
    canned = CannedHttpClient()
    channel = TwilioSmsChannel(CONFIG, http_client=canned)
    with pytest.raises(PermanentDeliveryError, match="phone number"):
        await channel.send(replace(TO, address=" "), MESSAGE)
    await channel.aclose()
    assert canned.sent == []


async def test_find_recent_lists_messages_to_the_number(http: PrismHttpClient) -> None:
    channel = TwilioSmsChannel(CONFIG, http_client=http)
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    found = await channel.find_recent("+4512345678", long_ago)
    # Prism's example list holds messages created in 2023; none are "recent" today.
    assert await channel.find_recent("+4512345678", datetime.now(UTC)) == []
    await channel.aclose()

    assert found
    assert all(re.fullmatch(r"(SM|MM)[0-9a-f]{32}", sid) for sid in found), found
    assert set(http.statuses) == {200}
    sent = http.sent[0]
    assert (sent.method, sent.path) == ("GET", MESSAGES_PATH)
    assert sent.params["To"] == "+4512345678"
    assert sent.params["From"] == FROM_NUMBER
    assert sent.params["DateSent>"].startswith("2000-01-01T00:00:00")


async def test_find_recent_needs_aware_datetime() -> None:
    channel = TwilioSmsChannel(CONFIG, http_client=CannedHttpClient())
    with pytest.raises(ValueError):
        await channel.find_recent("+4512345678", datetime(2024, 1, 1))  # noqa: DTZ001
    await channel.aclose()


async def test_voice_call_reads_short_text_in_danish(http: PrismHttpClient) -> None:
    channel = TwilioVoiceChannel(CONFIG, http_client=http)
    receipt = await channel.send(replace(TO, kind=ChannelKind.VOICE), MESSAGE)
    await channel.aclose()

    assert http.statuses == [201]
    [sent] = http.sent
    assert sent.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
    fields = form(sent)
    assert (fields["To"], fields["From"]) == ("+4512345678", FROM_NUMBER)
    assert fields["StatusCallback"].endswith("/webhooks/twilio/status?delivery=delivery-42")
    twiml = ElementTree.fromstring(fields["Twiml"])
    gather = twiml.find("Gather")
    assert gather is not None
    assert gather.get("numDigits") == "1"
    assert gather.get("action") == (
        "https://beredskab.example/webhooks/twilio/voice/gather?delivery=delivery-42"
    )
    says = gather.findall("Say")
    assert says[0].text == MESSAGE.short_text
    assert {s.get("language") for s in says} == {"da-DK"}
    assert receipt.provider_id.startswith("CA")


def test_voice_twiml_escapes_text() -> None:
    xml = voice_twiml("Brand i blok 3 & 4 <nu>", "https://x.example/g?delivery=1&a=2")
    root = ElementTree.fromstring(xml)
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("action") == "https://x.example/g?delivery=1&a=2"
    assert gather.findall("Say")[0].text == "Brand i blok 3 & 4 <nu>"


def test_voice_needs_number_and_callback_base() -> None:
    with pytest.raises(ChannelConfigError, match="from_number"):
        TwilioVoiceChannel(replace(CONFIG, from_number=None, messaging_service_sid=SERVICE_SID))
    with pytest.raises(ChannelConfigError, match="status_callback_base"):
        TwilioVoiceChannel(replace(CONFIG, status_callback_base=None))


@pytest.mark.parametrize(
    ("status", "code", "expected", "retry_after"),
    [
        (429, 20429, TransientDeliveryError, 1.0),
        (500, 20500, TransientDeliveryError, None),
        (503, 20503, TransientDeliveryError, None),
        (400, 21211, PermanentDeliveryError, None),
        (400, 21610, PermanentDeliveryError, None),
        (400, 21614, PermanentDeliveryError, None),
        (400, 21408, PermanentDeliveryError, None),
        (400, 21612, PermanentDeliveryError, None),
        (401, 20003, PermanentDeliveryError, None),
        (400, 21602, PermanentDeliveryError, None),
    ],
)
async def test_twilio_errors_are_mapped(
    status: int, code: int, expected: type[Exception], retry_after: float | None
) -> None:
    canned = CannedHttpClient(twilio_error(status, code, "canned"))
    channel = TwilioSmsChannel(CONFIG, http_client=canned)
    with pytest.raises(expected, match=str(code)) as caught:
        await channel.send(TO, MESSAGE)
    if isinstance(caught.value, TransientDeliveryError):
        assert caught.value.retry_after == retry_after
    await channel.aclose()
    assert canned.closed


async def test_voice_errors_are_mapped_too() -> None:
    canned = CannedHttpClient(twilio_error(400, 21211, "invalid To"))
    channel = TwilioVoiceChannel(CONFIG, http_client=canned)
    with pytest.raises(PermanentDeliveryError, match="21211"):
        await channel.send(TO, MESSAGE)
    await channel.aclose()


async def test_timeout_is_an_unknown_outcome() -> None:
    canned = CannedHttpClient(5.0)
    channel = TwilioSmsChannel(replace(CONFIG, timeout=0.05), http_client=canned)
    with pytest.raises(UnknownOutcomeError):
        await channel.send(TO, MESSAGE)
    await channel.aclose()


async def test_dropped_connection_is_an_unknown_outcome() -> None:
    canned = CannedHttpClient(aiohttp.ServerDisconnectedError())
    channel = TwilioSmsChannel(CONFIG, http_client=canned)
    with pytest.raises(UnknownOutcomeError):
        await channel.send(TO, MESSAGE)
    await channel.aclose()


async def test_connection_refused_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    http = PrismHttpClient(f"http://127.0.0.1:{port}")
    channel = TwilioSmsChannel(CONFIG, http_client=http)
    with pytest.raises(TransientDeliveryError, match="unreachable"):
        await channel.send(TO, MESSAGE)
    await channel.aclose()


async def test_canned_success_returns_sid() -> None:
    canned = CannedHttpClient(message_created("SMfeedfacefeedfacefeedfacefeedface"))
    channel = TwilioSmsChannel(CONFIG, http_client=canned)
    receipt = await channel.send(TO, MESSAGE)
    await channel.aclose()
    await channel.aclose()
    assert receipt.provider_id == "SMfeedfacefeedfacefeedfacefeedface"


async def test_overlong_body_is_permanent_without_a_request() -> None:
    canned = CannedHttpClient()
    channel = TwilioSmsChannel(CONFIG, http_client=canned)
    with pytest.raises(PermanentDeliveryError, match="1600"):
        await channel.send(TO, replace(MESSAGE, short_text="x" * 1601))
    await channel.aclose()
    assert canned.sent == []


@pytest.mark.parametrize(
    ("text", "gsm", "segments"),
    [
        ("", True, 1),
        ("Hej", True, 1),
        ("æøåÆØÅ" * 26 + "abcd", True, 1),  # 160 GSM-7 septets
        ("æ" * 161, True, 2),
        ("a" * 306, True, 2),
        ("a" * 307, True, 3),
        ("€" * 80, True, 1),  # extension table: 2 septets each
        ("€" * 81, True, 2),
        ("a" * 152 + "€", True, 1),
        ("a" * 152 + "€" + "a" * 10, True, 2),  # the escape pair moves to segment 2
        ("Brand – mød op", False, 1),  # en dash is not GSM-7
        ("–" * 70, False, 1),
        ("–" * 71, False, 2),
        ("–" * 134, False, 2),
        ("–" * 135, False, 3),
        ("🔥" * 35, False, 1),  # surrogate pairs: 2 UCS-2 units each
        ("🔥" * 36, False, 2),
    ],
)
def test_segments(text: str, gsm: bool, segments: int) -> None:
    assert is_gsm7(text) is gsm
    assert sms_segments(text) == segments


@pytest.mark.parametrize(
    "changes",
    [
        {"account_sid": "AC123"},
        {"auth_token": ""},
        {"from_number": None},
        {"messaging_service_sid": "XX1"},
        {"validity_period": 0},
        {"validity_period": 36001},
        {"status_callback_base": "ftp://x"},
        {"timeout": 0},
    ],
)
def test_invalid_config_is_rejected(changes: dict[str, object]) -> None:
    with pytest.raises(ChannelConfigError):
        replace(CONFIG, **changes)  # type: ignore[arg-type]


async def test_sms_channel_reuses_its_client(http: PrismHttpClient) -> None:
    channel = TwilioSmsChannel(CONFIG, http_client=http)
    await asyncio.gather(*(channel.send(TO, replace(MESSAGE, key=f"k{n}")) for n in range(3)))
    await channel.aclose()
    callbacks = sorted(query(form(s)["StatusCallback"])["delivery"] for s in http.sent)
    assert callbacks == ["k0", "k1", "k2"]


async def test_the_pacer_hears_when_an_sms_leaves(http: PrismHttpClient) -> None:
    """The client reports when the request is written (``notifier.wire``), so pacing counts
    the send from the moment Twilio gets it, not from when it was allowed."""
    stamps: list[float] = []
    channel = TwilioSmsChannel(CONFIG, http_client=http)
    await channel.send(TO, MESSAGE)  # outside a paced block: nobody to tell, nothing breaks
    before = time.monotonic()
    with wire.stamping(lambda: stamps.append(time.monotonic())):
        await channel.send(TO, replace(MESSAGE, key="k-paced"))
    after = time.monotonic()
    await channel.aclose()
    assert http.statuses == [201, 201]
    assert stamps and before <= stamps[0] <= stamps[-1] <= after


def test_the_sdks_rest_api_is_imported_with_the_channel_not_at_the_first_send() -> None:
    """The first SMS after `serve` starts does not wait 30-160 ms for twilio's lazy imports."""
    script = (
        "import sys\n"
        "from tests.notifier.test_sms import CONFIG\n"
        "from notifier.channels.sms import TwilioSmsChannel\n"
        "assert 'twilio.rest.api.v2010.account' not in sys.modules\n"
        "TwilioSmsChannel(CONFIG)\n"
        "print('twilio.rest.api.v2010.account.message' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "True"
