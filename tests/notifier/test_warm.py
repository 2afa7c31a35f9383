"""Channels open their provider connection ahead of a burst (``notifier.warm``): the first
send goes over it, no request reaches the provider before the send, and a warm-up that cannot
connect stays silent (the send reports the fault)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
import pytest_asyncio
from yarl import URL

from notifier.base import Warmable
from notifier.channels.sms import TwilioSmsChannel, TwilioVoiceChannel
from notifier.channels.telegram import TelegramChannel
from notifier.errors import TransientDeliveryError
from notifier.types import ChannelKind, Message, Recipient
from tests.notifier.test_sms import CONFIG, MESSAGE, TO
from tests.peers.telegram_api import FakeBotApi
from tests.peers.twilio import PrismHttpClient, PrismServer


@dataclass
class Counted:
    """One connection through the forwarder and the bytes the client sent on it."""

    received: int = 0


@dataclass
class Forwarder:
    """A TCP forwarder in front of a peer that counts the client's connections."""

    target: URL
    connections: list[Counted] = field(default_factory=list)
    server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return str(self.target.with_host("127.0.0.1").with_port(port)).rstrip("/")

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        counted = Counted()
        self.connections.append(counted)
        assert self.target.host is not None and self.target.port is not None
        up_reader, up_writer = await asyncio.open_connection(self.target.host, self.target.port)

        async def pipe(
            source: asyncio.StreamReader, sink: asyncio.StreamWriter, count: bool
        ) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    if count:
                        counted.received += len(data)
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer, True), pipe(up_reader, writer, False))


async def _until(check: Callable[[], bool], within: float = 60.0) -> None:
    """Wait for a state (a generous deadline, not a timing assertion)."""
    give_up = time.monotonic() + within
    while not check():
        assert time.monotonic() < give_up, "the expected state was not reached"
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def _forwarding(target: str) -> AsyncIterator[Forwarder]:
    forwarder = Forwarder(URL(target))
    await forwarder.start()
    try:
        yield forwarder
    finally:
        await forwarder.stop()


@pytest_asyncio.fixture
async def prism_forwarder(prism: PrismServer) -> AsyncIterator[Forwarder]:
    async with _forwarding(prism.base_url) as forwarder:
        yield forwarder


@pytest_asyncio.fixture
async def bot_api_forwarder(fake_bot_api: FakeBotApi) -> AsyncIterator[Forwarder]:
    async with _forwarding(fake_bot_api.base_url) as forwarder:
        yield forwarder


def test_the_call_out_and_telegram_channels_can_be_warmed() -> None:
    telegram = TelegramChannel.from_token("123:abc", api_base_url="http://127.0.0.1:9")
    for channel in (TwilioSmsChannel(CONFIG), TwilioVoiceChannel(CONFIG), telegram):
        assert isinstance(channel, Warmable)


@pytest_asyncio.fixture
async def sms(
    prism_forwarder: Forwarder,
) -> AsyncIterator[tuple[TwilioSmsChannel, PrismHttpClient]]:
    """An SMS channel whose client reaches Prism through the counting forwarder."""
    http = PrismHttpClient(prism_forwarder.url)
    channel = TwilioSmsChannel(CONFIG, http_client=http)
    yield channel, http
    await channel.aclose()


async def test_a_warmed_sms_channel_sends_its_first_sms_over_the_connection_it_opened(
    sms: tuple[TwilioSmsChannel, PrismHttpClient], prism_forwarder: Forwarder
) -> None:
    channel, http = sms
    channel.warm()
    await _until(lambda: len(prism_forwarder.connections) == 1)
    assert prism_forwarder.connections[0].received == 0  # opened, nothing asked of Twilio
    await channel.send(TO, MESSAGE)
    assert http.statuses == [201]
    [connection] = prism_forwarder.connections  # the send opened none of its own
    assert connection.received > 0


async def test_a_send_right_after_the_warm_up_waits_for_its_connection(
    sms: tuple[TwilioSmsChannel, PrismHttpClient], prism_forwarder: Forwarder
) -> None:
    channel, http = sms
    channel.warm()
    await channel.send(TO, MESSAGE)  # the warm-up has not connected yet
    assert http.statuses == [201]
    assert len(prism_forwarder.connections) == 1


async def test_a_channel_in_use_is_not_warmed_again(
    sms: tuple[TwilioSmsChannel, PrismHttpClient], prism_forwarder: Forwarder
) -> None:
    channel, http = sms
    await channel.send(TO, MESSAGE)
    channel.warm()  # its connection is open: nothing to do
    await channel.send(TO, MESSAGE)  # would wait for a warm-up in flight
    assert http.statuses == [201, 201]
    assert len(prism_forwarder.connections) == 1


async def test_a_warm_up_that_cannot_connect_is_silent_and_the_send_says_why(
    caplog: pytest.LogCaptureFixture,
) -> None:
    forwarder = Forwarder(URL("http://127.0.0.1:9"))
    await forwarder.start()
    url = forwarder.url
    await forwarder.stop()  # nothing listens there any more
    channel = TwilioSmsChannel(CONFIG, http_client=PrismHttpClient(url))
    try:
        with caplog.at_level(logging.WARNING):
            channel.warm()
            with pytest.raises(TransientDeliveryError, match="unreachable"):
                await channel.send(TO, MESSAGE)
    finally:
        await channel.aclose()
    assert caplog.records == []


async def test_a_warmed_telegram_channel_sends_over_the_connection_it_opened(
    fake_bot_api: FakeBotApi, bot_api_forwarder: Forwarder
) -> None:
    channel = TelegramChannel.from_token(fake_bot_api.token, api_base_url=bot_api_forwarder.url)
    chat = Recipient(person_id="p-1", kind=ChannelKind.TELEGRAM, address="100001")
    try:
        channel.warm()
        await _until(lambda: len(bot_api_forwarder.connections) == 1)
        assert bot_api_forwarder.connections[0].received == 0
        await channel.send(
            chat, Message(key="d-1", subject="s", text="Gruppe 2 aktiveret", short_text="")
        )
    finally:
        await channel.aclose()
    assert [m.text for m in fake_bot_api.sent] == ["Gruppe 2 aktiveret"]
    [connection] = bot_api_forwarder.connections
    assert connection.received > 0
