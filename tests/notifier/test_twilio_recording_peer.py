"""The recording Twilio peer speaks what the real twilio library and our channels expect:
a created message can be found again by ``find_recent`` (the reconcile before a re-send),
held creates are recorded but unanswered, and wrong credentials get Twilio's 401."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from notifier.channels.sms import TwilioConfig, TwilioSmsChannel
from notifier.channels.twilio_http import TwilioHttpClient
from notifier.errors import PermanentDeliveryError, UnknownOutcomeError
from notifier.types import ChannelKind, Message, Recipient
from tests.peers.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, SERVICE_SID
from tests.peers.twilio_recording import RecordingTwilio, recording_twilio

__all__ = ["recording_twilio"]

TO = Recipient(person_id="p-1", kind=ChannelKind.SMS, address="+4512345678")


def _channel(
    peer: RecordingTwilio, *, token: str = AUTH_TOKEN, timeout: float = 10
) -> TwilioSmsChannel:
    config = TwilioConfig(
        account_sid=ACCOUNT_SID, auth_token=token, from_number=FROM_NUMBER, timeout=timeout
    )
    return TwilioSmsChannel(config, http_client=TwilioHttpClient(base_url=peer.base_url))


def _message(text: str) -> Message:
    return Message(key="delivery-1", subject="s", text=text, short_text=text)


async def test_a_sent_message_is_found_again_with_its_body(
    recording_twilio: RecordingTwilio,
) -> None:
    channel = _channel(recording_twilio)
    since = datetime.now(UTC) - timedelta(minutes=1)
    try:
        receipt = await channel.send(TO, _message("Alarm 1"))
        await channel.send(Recipient("p-2", ChannelKind.SMS, "+4587654321"), _message("Alarm 1"))
        assert await channel.find_recent(TO.address, since, "Alarm 1") == [receipt.provider_id]
        assert await channel.find_recent(TO.address, since, "Alarm 2") == []
        assert await channel.find_recent(TO.address, datetime.now(UTC) + timedelta(days=1)) == []
    finally:
        await channel.aclose()
    assert [m.sid for m in recording_twilio.to(TO.address)] == [receipt.provider_id]


async def test_a_held_create_is_recorded_but_never_answered(
    recording_twilio: RecordingTwilio,
) -> None:
    """The caller dies mid-request (the send is cancelled) after Twilio took the message; the
    reconcile lookup finds it."""
    recording_twilio.hold(after=0)
    channel = _channel(recording_twilio, timeout=60)
    try:
        send = asyncio.create_task(channel.send(TO, _message("Alarm")))
        for _ in range(1200):  # poll the peer's state for up to a minute
            if recording_twilio.held:
                break
            await asyncio.sleep(0.05)
        assert not recording_twilio.messages[0].answered
        send.cancel()
        with pytest.raises(asyncio.CancelledError):
            await send
        recording_twilio.release()
        since = datetime.now(UTC) - timedelta(minutes=1)
        found = await channel.find_recent(TO.address, since, "Alarm")
    finally:
        await channel.aclose()
    assert found == [recording_twilio.messages[0].sid]


async def test_wrong_credentials_are_refused(recording_twilio: RecordingTwilio) -> None:
    channel = _channel(recording_twilio, token="0" * 32)
    try:
        with pytest.raises(PermanentDeliveryError, match="401"):
            await channel.send(TO, _message("Alarm"))
    finally:
        await channel.aclose()
    assert recording_twilio.messages == []


@pytest.mark.parametrize("recorded", [True, False])
async def test_a_reset_connection_is_an_unknown_outcome_that_reconciles(
    recording_twilio: RecordingTwilio, recorded: bool
) -> None:
    channel = _channel(recording_twilio)
    since = datetime.now(UTC) - timedelta(minutes=1)
    recording_twilio.reset(1, recorded=recorded)
    try:
        with pytest.raises(UnknownOutcomeError, match="ServerDisconnectedError"):
            await channel.send(TO, _message("Alarm"))
        found = await channel.find_recent(TO.address, since, "Alarm")
        assert found == [m.sid for m in recording_twilio.messages]
        assert len(found) == int(recorded) and recording_twilio.resets == 1
        await channel.send(TO, _message("Alarm 2"))  # the client recovers on a new connection
    finally:
        await channel.aclose()


async def test_an_answer_that_is_not_json_is_an_unknown_outcome() -> None:
    """A 201 with a body that is not Twilio's JSON (a proxy's page): the message may exist."""
    from aiohttp import web

    async def garbled(request: web.Request) -> web.Response:
        return web.Response(status=201, text="<html>ok</html>", content_type="text/html")

    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", garbled)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    config = TwilioConfig(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=FROM_NUMBER)
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    channel = TwilioSmsChannel(config, http_client=TwilioHttpClient(base_url=base))
    try:
        with pytest.raises(UnknownOutcomeError):
            await channel.send(TO, _message("Alarm"))
    finally:
        await channel.aclose()
        await runner.cleanup()


async def test_a_messaging_service_can_reconcile_too(recording_twilio: RecordingTwilio) -> None:
    """Without a sender number the lookup leaves ``From`` out (``None`` there made the twilio
    library raise ``TypeError``) and keeps only the service's own messages."""
    config = TwilioConfig(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, messaging_service_sid=SERVICE_SID
    )
    channel = TwilioSmsChannel(
        config, http_client=TwilioHttpClient(base_url=recording_twilio.base_url)
    )
    numbered = _channel(recording_twilio)
    since = datetime.now(UTC) - timedelta(minutes=1)
    try:
        receipt = await channel.send(TO, _message("Alarm"))
        await numbered.send(TO, _message("Alarm"))  # same text from a number, not the service
        assert await channel.find_recent(TO.address, since, "Alarm") == [receipt.provider_id]
    finally:
        await channel.aclose()
        await numbered.aclose()
