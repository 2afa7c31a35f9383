"""Per-channel send cost: dispatcher CPU per message on each real channel, nothing else.

Sends ``--count`` messages per channel (SMS through the twilio library to Prism, email
through the SMTP pool to aiosmtpd, Telegram through the bot's HTTP session to the fake Bot
API; the peers run in other processes, without latency) and prints this process's CPU
milliseconds per message by channel — no database, no outbox, so what is left is the
channel's own work (building the request, the client library, the event loop). With
``--profile`` it also prints the top functions of a cProfile run per channel.

Against Prism (behind the stand-ins' proxy) every answer comes alone, after the peer's
processes ran on the same cores: each costs this process a wake-up with cold caches, and a
raw aiohttp POST of the same bytes costs 0.5–0.7 ms of CPU there against 0.15–0.2 ms to the
fake Bot API. ``--canned-twilio`` answers the SMS requests in this process instead (one
canned 201 for every request, in the same event loop), which leaves the client's own CPU.

    .venv/bin/python -m benchmarks.sends [--count 2000] [--concurrency 16] [--profile]
        [--canned-twilio]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks import standins
from benchmarks.procs import Children
from notifier.base import Channel
from notifier.channels.email import SmtpConfig, smtp_pool
from notifier.channels.sms import TwilioConfig, TwilioSmsChannel
from notifier.channels.telegram import TelegramChannel
from notifier.channels.twilio_http import TwilioHttpClient
from notifier.types import Button, ChannelKind, Message, Recipient
from tests.peers import twilio as twilio_peer
from tests.peers.smtp import PASSWORD, USERNAME

TEXT = (
    "ØVELSE: Beredskab gruppe 1 er aktiveret – brand i blok 3, Æblevej 5.\n"
    "Mød op på kontoret hurtigst muligt og meld dig hos indsatslederen.\n\n"
    "Hilsen sekretariatet"
)


UNLIMITED = {
    "latency": 0.0,
    "twilio_service_rate": 1e9,
    "twilio_number_rate": 1e9,
    "telegram_rate": 1e9,
    "telegram_chat_rate": 1e9,
    "smtp_connections": 10_000,
}
"""The stand-ins without rates or latency: only the channels' own cost is measured."""


@contextmanager
def peers() -> Iterator[dict[str, str]]:
    """Prism and the stand-ins (``benchmarks.standins``), in other processes, stopped at exit."""
    with Children() as children:
        root = Path(tempfile.mkdtemp(prefix="bench-sends-"))
        children.on_close(lambda: __import__("shutil").rmtree(root, ignore_errors=True))
        _, info = standins.launch(children, root, UNLIMITED)
        yield info


CANNED_MESSAGE = json.dumps(
    {
        "account_sid": twilio_peer.ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": "ØVELSE",
        "date_created": "Thu, 24 Aug 2023 05:01:45 +0000",
        "date_sent": "Thu, 24 Aug 2023 05:01:45 +0000",
        "date_updated": "Thu, 24 Aug 2023 05:01:45 +0000",
        "direction": "outbound-api",
        "messaging_service_sid": twilio_peer.SERVICE_SID,
        "num_segments": "1",
        "sid": "SM" + "a" * 32,
        "status": "accepted",
        "to": "+4520000000",
    }
).encode()
"""What Prism answers a created message, near enough (three dates, the SID, the status)."""


class CannedTwilio(asyncio.Protocol):
    """An HTTP/1.1 peer answering every request with ``CANNED_MESSAGE`` (201)."""

    answer = (
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(CANNED_MESSAGE), CANNED_MESSAGE)
    )

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport, self.buffer = transport, b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].lower()
            found = head.find(b"content-length:")
            length = int(head[found + 15 :].split(b"\r\n", 1)[0]) if found >= 0 else 0
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(self.answer)


async def canned_twilio() -> tuple[asyncio.Server, str]:
    """``CannedTwilio`` listening on a free local port, and its URL."""
    server = await asyncio.get_running_loop().create_server(CannedTwilio, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


def build(info: dict[str, str]) -> dict[ChannelKind, Channel]:
    """The three real channels pointed at the local peers, configured as the service does."""
    twilio = TwilioConfig(
        account_sid=twilio_peer.ACCOUNT_SID,
        auth_token=twilio_peer.AUTH_TOKEN,
        messaging_service_sid=twilio_peer.SERVICE_SID,
        status_callback_base="http://127.0.0.1:8080",
    )
    smtp = SmtpConfig(
        host="127.0.0.1",
        port=int(info["smtp_port"]),
        from_address="beredskab@example.org",
        username=USERNAME,
        password=PASSWORD,
        ca_file=Path(info["ca_file"]),
    )
    return {
        ChannelKind.SMS: TwilioSmsChannel(
            twilio, http_client=TwilioHttpClient(base_url=info["twilio_url"])
        ),
        ChannelKind.EMAIL: smtp_pool(smtp, 10),
        ChannelKind.TELEGRAM: TelegramChannel.from_token(
            info["telegram_token"], api_base_url=info["telegram_url"]
        ),
    }


def item(kind: ChannelKind, n: int) -> tuple[Recipient, Message]:
    """What ``message_for`` makes of delivery ``n`` on ``kind``."""
    address = {
        ChannelKind.SMS: f"+4520{n:06d}",
        ChannelKind.EMAIL: f"person-{n}@example.org",
        ChannelKind.TELEGRAM: str(10_000 + n),
    }[kind]
    buttons = (
        (Button("Modtaget", f"ack:{n:022d}"), Button("Kan ikke", f"no:{n:022d}"))
        if kind is ChannelKind.TELEGRAM
        else ()
    )
    link = f"https://beredskab.example/k/{n:022d}.sig" if kind is ChannelKind.EMAIL else None
    return Recipient(person_id=f"p-{n}", kind=kind, address=address), Message(
        key=f"delivery-{n}",
        subject="ØVELSE: Beredskab gruppe 1 aktiveret",
        text=TEXT,
        short_text="ØVELSE: Gruppe 1 aktiveret. Mød op, Æblevej 5. Svar OK.",
        topic="1",
        link=link,
        buttons=buttons,
    )


async def run(
    channel: Channel, kind: ChannelKind, count: int, concurrency: int, profile: bool
) -> None:
    """Warm up, then send ``count`` messages ``concurrency`` at a time; print the cost."""
    await asyncio.gather(*(channel.send(*item(kind, n)) for n in range(concurrency)))
    queue = iter(range(concurrency, concurrency + count))

    async def worker() -> None:
        for n in queue:
            await channel.send(*item(kind, n))

    profiler = cProfile.Profile() if profile else None
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    print(
        f"{kind.value:>9}: {count} sends, CPU {cpu * 1000 / count:6.3f} ms/message, "
        f"{count / wall:7.0f} messages/s wall (load {os.getloadavg()[0]:.2f})",
        flush=True,
    )
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        print(out.getvalue())


async def main(args: argparse.Namespace, info: dict[str, str]) -> None:
    server = None
    if args.canned_twilio:
        server, url = await canned_twilio()
        info = info | {"twilio_url": url}
    channels = build(info)
    try:
        for kind in (ChannelKind(k) for k in args.channels.split(",")):
            await run(channels[kind], kind, args.count, args.concurrency, args.profile)
    finally:
        for channel in channels.values():
            await channel.aclose()
        if server is not None:
            server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--channels", default="sms,email,telegram")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--canned-twilio", action="store_true", help="SMS to a peer in-process")
    arguments = parser.parse_args()
    with peers() as peer_info:
        asyncio.run(main(arguments, peer_info))
