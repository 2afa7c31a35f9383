"""Per-channel send cost: dispatcher CPU per message on each real channel, nothing else.

Sends ``--count`` messages per channel (SMS through the twilio library to Prism, email
through the SMTP pool to aiosmtpd, Telegram through the bot's HTTP session to the fake Bot
API; the peers run in other processes, without latency) and prints this process's CPU
milliseconds per message by channel — no database, no outbox, so what is left is the
channel's own work (building the request, the client library, the event loop). With
``--profile`` it also prints the top functions of a cProfile run per channel.

    .venv/bin/python -m benchmarks.sends [--count 2000] [--concurrency 16] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
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
from notifier.channels.sms import TwilioConfig, TwilioHttpClient, TwilioSmsChannel
from notifier.channels.telegram import TelegramChannel
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
    channels = build(info)
    try:
        for kind in (ChannelKind(k) for k in args.channels.split(",")):
            await run(channels[kind], kind, args.count, args.concurrency, args.profile)
    finally:
        for channel in channels.values():
            await channel.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--channels", default="sms,email,telegram")
    parser.add_argument("--profile", action="store_true")
    arguments = parser.parse_args()
    with peers() as peer_info:
        asyncio.run(main(arguments, peer_info))
