"""Shared pieces of the delivery fault tests: a large fictional directory, the three real
channels wired to the recording peers, a watch on leases, and the exactly-once checks."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from importlib.resources import files
from pathlib import Path

from beredskab.models import Delivery
from beredskab.plan import Plan
from beredskab.storage import Database
from notifier.base import Channel
from notifier.channels.email import SmtpConfig, SmtpEmailChannel
from notifier.channels.sms import TwilioConfig, TwilioSmsChannel
from notifier.channels.telegram import TelegramChannel
from notifier.channels.twilio_http import TwilioHttpClient
from notifier.pool import ChannelPool
from notifier.types import ChannelKind
from tests.peers.smtp import PASSWORD, USERNAME, SmtpPeer
from tests.peers.telegram_api import FakeBotApi
from tests.peers.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, SERVICE_SID
from tests.peers.twilio_recording import RecordingTwilio

CHAT_BASE = 700_000
"""Telegram chat (and user) id of directory person number ``i`` is ``CHAT_BASE + i``."""
PROVIDER_TIMEOUT = 30.0
"""Channel timeouts in tests: generous, so a loaded machine is never a failed send."""


def big_directory(people: int, folder: Path) -> Path:
    """The bundled fictional directory plus ``people`` fictional SSP members with phone and
    email (numbers +45 203xxxxx, addresses bench-N@example.org), not marked as example."""
    text = (files("contacts") / "examples" / "fredericia.toml").read_text(encoding="utf-8")
    text = re.sub(r"^example = true", "example = false", text, flags=re.MULTILINE)
    extra = [
        f'\n[[people]]\nid = "bench-{i}"\nname = "Fiktiv Person {i}"\nroles = ["ssp"]\n'
        f'phone = "+45203{i:05d}"\nemail = "bench-{i}@example.org"\n'
        for i in range(people)
    ]
    path = folder / f"kontakter-{people}.toml"
    path.write_text(text + "".join(extra), encoding="utf-8")
    return path


async def link_chats(db: Database, plan: Plan) -> None:
    """Bind every person of the directory to a Telegram chat (as /start would)."""
    async with db.transaction() as tx:
        for i, person in enumerate(plan.directory.people):
            chat = CHAT_BASE + i
            await tx.people.link_telegram(person.id, user_id=chat, chat_id=chat, now=tx.now)


def channels(
    twilio: RecordingTwilio,
    smtp: SmtpPeer,
    telegram: FakeBotApi,
    folder: Path,
    *,
    messaging_service: bool = False,
) -> dict[ChannelKind, Channel]:
    """The real SMS, email (a pool of 4 connections) and Telegram channels at the peers; SMS
    from ``FROM_NUMBER``, or through a messaging service (no fixed sender number)."""
    sms = TwilioSmsChannel(
        TwilioConfig(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            from_number=None if messaging_service else FROM_NUMBER,
            messaging_service_sid=SERVICE_SID if messaging_service else None,
            timeout=PROVIDER_TIMEOUT,
        ),
        http_client=TwilioHttpClient(base_url=twilio.base_url),
    )
    smtp_config = SmtpConfig(
        host=smtp.host,
        port=smtp.port,
        from_address="beredskab@example.org",
        username=USERNAME,
        password=PASSWORD,
        ca_file=smtp.write_ca(folder),
        timeout=PROVIDER_TIMEOUT,
    )
    email = ChannelPool([SmtpEmailChannel(smtp_config) for _ in range(4)])
    bot = TelegramChannel.from_token(
        telegram.token, api_base_url=telegram.base_url, timeout=PROVIDER_TIMEOUT
    )
    return {ChannelKind.SMS: sms, ChannelKind.EMAIL: email, ChannelKind.TELEGRAM: bot}


async def close_channels(channels: dict[ChannelKind, Channel]) -> None:
    """Close each channel once."""
    for channel in {id(c): c for c in channels.values()}.values():
        await channel.aclose()


async def wait_until(condition: Callable[[], Awaitable[bool] | bool], within: float) -> None:
    """Poll a state until it holds (generous deadlines: a loaded machine is slow, not wrong)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = condition()
        if await result if inspect.isawaitable(result) else result:
            return
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.1)


async def incident_rows(db: Database, incident_id: int) -> list[Delivery]:
    """Every outbox row of an incident."""
    async with db.read() as tx:
        return await tx.deliveries.for_incident(incident_id)


async def open_rows(db: Database) -> int:
    """Rows queued or being sent."""
    async with db.read() as tx:
        return await tx.deliveries.open_count()


@dataclass
class LeaseWatch:
    """Polls the outbox for rows still ``sending`` more than ``grace`` after their lease ran
    out (nobody took them up again); ``overdue`` keeps the worst seen per row, in seconds."""

    db: Database
    grace: timedelta
    overdue: dict[int, float] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _watch(self) -> None:
        while True:
            async with self.db.read() as tx:
                now = tx.now
                rows = [d for d in await tx.deliveries.leased() if d.lease_until is not None]
            for row in rows:
                assert row.lease_until is not None
                late = (now - row.lease_until - self.grace).total_seconds()
                if late > 0:
                    self.overdue[row.id] = max(late, self.overdue.get(row.id, 0.0))
            await asyncio.sleep(0.25)


def sms_exactly_once(rows: list[Delivery], twilio: RecordingTwilio) -> None:
    """Each SMS row is exactly one message at Twilio and vice versa; nobody got one twice."""
    sms = [d for d in rows if d.channel is ChannelKind.SMS]
    assert sorted(d.provider_id or "" for d in sms) == sorted(m.sid for m in twilio.messages)
    repeated = [k for k, n in Counter((m.to, m.body) for m in twilio.messages).items() if n > 1]
    assert repeated == [], f"somebody got the same SMS twice: {repeated[:5]}"


def email_duplicates(rows: list[Delivery], smtp: SmtpPeer) -> int:
    """Every email row arrived (by its Message-ID); returns how many arrived more than once."""
    received = Counter(str(m.message["Message-ID"]) for m in smtp.handler.received)
    expected = {f"<delivery-{d.id}@example.org>" for d in rows if d.channel is ChannelKind.EMAIL}
    assert set(received) == expected, (len(received), len(expected))
    return sum(n - 1 for n in received.values())


def telegram_duplicates(rows: list[Delivery], telegram: FakeBotApi) -> int:
    """Every Telegram row reached its chat; returns how many extra copies arrived."""
    per_chat = Counter(m.chat_id for m in telegram.sent)
    wanted = Counter(int(d.address) for d in rows if d.channel is ChannelKind.TELEGRAM)
    missing = {chat: n for chat, n in wanted.items() if per_chat[chat] < n}
    assert not missing, f"Telegram messages lost: {missing}"
    assert set(per_chat) <= set(wanted)
    return sum(per_chat.values()) - sum(wanted.values())


def extra_copies(rows: list[Delivery], smtp: SmtpPeer, telegram: FakeBotApi) -> dict[int, int]:
    """Email and Telegram rows that arrived more than once: row id → extra copies (a chat's
    extra Telegram messages count against its last row)."""
    extra: dict[int, int] = {}
    received = Counter(str(m.message["Message-ID"]) for m in smtp.handler.received)
    for row in rows:
        if row.channel is ChannelKind.EMAIL:
            copies = received[f"<delivery-{row.id}@example.org>"]
            if copies > 1:
                extra[row.id] = copies - 1
    per_chat = Counter(m.chat_id for m in telegram.sent)
    by_chat: dict[int, list[Delivery]] = {}
    for row in rows:
        if row.channel is ChannelKind.TELEGRAM:
            by_chat.setdefault(int(row.address), []).append(row)
    for chat, chat_rows in by_chat.items():
        if per_chat[chat] > len(chat_rows):
            extra[chat_rows[-1].id] = per_chat[chat] - len(chat_rows)
    return extra
