"""The bot against the local Bot API server: a real aiogram Bot long-polling the fake."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from beredskab.app import App
from beredskab.bot import run_polling
from beredskab.delivery.links import LinkSigner
from beredskab.delivery.outbox import Outbox
from beredskab.models import AuditEntry, LogEntry
from beredskab.plan import Plan
from beredskab.settings import OutboxSettings, ServiceSettings, Settings, TelegramSettings
from beredskab.storage import Database
from notifier.base import Channel
from notifier.channels.console import ConsoleChannel
from notifier.channels.telegram import TelegramChannel
from notifier.types import ChannelKind
from tests.peers.telegram_api import TEST_BOT_TOKEN, FakeBotApi, SentMessage

SARA = 9001  # sara-lund, ssp; deputy omar-nielsen
OMAR = 9002  # omar-nielsen, ssp
CHIEF_USER = 9003  # maria-friis, projektchef
POLICE_USER = 9004  # kim-holm, politi
STAFF_USER = 9005  # amira-hassan, sekretariat (outreach zone 1)
OUTSIDER = 9007  # lise-krogh, no roles
DANIEL = 9018  # daniel-okafor, sekretariat (outreach zone 3), language "en"
STRANGER = 9999

USERS = {
    SARA: "sara-lund",
    OMAR: "omar-nielsen",
    CHIEF_USER: "maria-friis",
    POLICE_USER: "kim-holm",
    STAFF_USER: "amira-hassan",
    OUTSIDER: "lise-krogh",
    DANIEL: "daniel-okafor",
}


@dataclass
class Harness:
    """The app, the fake Bot API and the moves a Telegram user makes."""

    app: App
    api: FakeBotApi

    async def link(self, *users: int) -> None:
        """Bind users as /start with a shared contact would."""
        async with self.app.db.transaction() as tx:
            for user in users:
                await tx.people.link_telegram(USERS[user], user_id=user, chat_id=user, now=tx.now)

    async def say(self, user: int, text: str, reply_to: SentMessage | None = None) -> SentMessage:
        """Write to the bot and return its next message to that chat."""
        before = len(self.api.sent_to(user))
        await self.api.inject_message(user, text, reply_to=reply_to)
        return await self.next_message(user, before)

    async def next_message(self, chat: int, before: int) -> SentMessage:
        """The bot's message number ``before + 1`` to ``chat``, once sent."""
        await self.api.wait_for(lambda: len(self.api.sent_to(chat)) > before)
        return self.api.sent_to(chat)[before]

    async def press(
        self, message: SentMessage, data: str, user: int | None = None
    ) -> dict[str, Any]:
        """Press a button and return the bot's answer to the callback query."""
        query = await self.api.press_button(message, data, user_id=user)
        await self.api.wait_for(lambda: self._answer(query) is not None)
        answer = self._answer(query)
        assert answer is not None
        return answer

    async def press_label(
        self, message: SentMessage, label: str, user: int | None = None
    ) -> dict[str, Any]:
        """Press the button whose label contains ``label``."""
        return await self.press(message, button(message, label), user)

    def _answer(self, query: str) -> dict[str, Any] | None:
        found = [c for c in self.api.answered_callbacks if c["callback_query_id"] == query]
        return found[0] if found else None

    async def log(self, incident_id: int) -> list[LogEntry]:
        """The incident's situation log."""
        async with self.app.db.transaction() as tx:
            return await tx.log.list(incident_id)

    async def audit(self) -> list[AuditEntry]:
        """Every audit row."""
        async with self.app.db.transaction() as tx:
            return await tx.audit.list()


def button(message: SentMessage, label: str) -> str:
    """callback_data of the button whose label contains ``label``."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    found = [b["callback_data"] for row in rows for b in row if label in b["text"]]
    assert found, f"no button {label!r} in {rows}"
    return str(found[0])


def alerted(answer: dict[str, Any]) -> bool:
    """Whether a callback answer was shown as an alert (form values arrive as text)."""
    return str(answer.get("show_alert")).lower() == "true"


def labels(message: SentMessage) -> list[str]:
    """Button labels, row by row."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [str(b["text"]) for row in rows for b in row]


def build_app(db: Database, plan: Plan, api: FakeBotApi, tmp_path: Path) -> App:
    """An App whose Telegram channel talks to the fake; every other kind is the console."""
    telegram = TelegramChannel.from_token(TEST_BOT_TOKEN, api_base_url=api.base_url)
    console = ConsoleChannel(tmp_path / "outbox.jsonl", echo=None)
    channels: dict[ChannelKind, Channel] = {kind: console for kind in ChannelKind}
    channels[ChannelKind.TELEGRAM] = telegram
    signer = LinkSigner.random()  # the alert's buttons are made by the outbox, checked by the bot
    outbox = Outbox(db=db, channels=channels, settings=OutboxSettings(), signer=signer)
    settings = Settings(
        service=ServiceSettings(data_dir=tmp_path / "var"),
        telegram=TelegramSettings(bot_token=SecretStr(TEST_BOT_TOKEN), api_base_url=api.base_url),
    )
    return App(settings=settings, plan=plan, db=db, channels=channels, outbox=outbox, signer=signer)


async def close_channels(app: App) -> None:
    """Close the channels (the database belongs to its fixture)."""
    for channel in {id(c): c for c in app.channels.values()}.values():
        await channel.aclose()


@pytest.fixture
async def bot_app(
    db: Database, plan: Plan, fake_bot_api: FakeBotApi, tmp_path: Path
) -> AsyncIterator[App]:
    """An App wired to the fake Bot API, not polling."""
    app = build_app(db, plan, fake_bot_api, tmp_path)
    yield app
    await close_channels(app)


@pytest.fixture
async def harness(bot_app: App, fake_bot_api: FakeBotApi) -> AsyncIterator[Harness]:
    """The bot long-polling the fake into the inbox, and the inbox handling the updates,
    until the test ends."""
    telegram = bot_app.channels[ChannelKind.TELEGRAM]
    assert isinstance(telegram, TelegramChannel)
    stop = asyncio.Event()
    polling = asyncio.create_task(run_polling(bot_app, telegram.bot, stop))
    inbox = asyncio.create_task(bot_app.inbox.run(stop))
    try:
        yield Harness(bot_app, fake_bot_api)
    finally:
        stop.set()
        await asyncio.gather(polling, inbox)


@pytest.fixture(autouse=True)
def _no_handler_failures(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A handler that failed unexpectedly (logged, user apologised to) fails the test."""
    yield
    failed = [
        r.getMessage()
        for r in caplog.records
        if r.levelname == "ERROR" and r.name.startswith(("beredskab.bot", "aiogram"))
    ]
    assert not failed, failed
