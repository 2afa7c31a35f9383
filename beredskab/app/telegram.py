"""The running service's Telegram side: the aiogram Bot it shares with the Telegram channel,
one dispatcher for every update, and the long poll or webhook that feeds the inbox. aiogram is
imported only when a bot token is configured (``beredskab.bot`` is imported on first use)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from notifier.types import ChannelKind

if TYPE_CHECKING:
    from beredskab.app import App
    from beredskab.services import Services


class Telegram:
    """The bot of one ``App``: built once, shared by the inbox, the poller and the webhook."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._dispatcher: Any = None

    def bot(self) -> Any | None:
        """The aiogram Bot shared by the Telegram channel and the dispatcher, if configured."""
        channel = self._app.channels.get(ChannelKind.TELEGRAM)
        return getattr(channel, "bot", None) if self._app.settings.telegram.enabled else None

    def dispatcher(self) -> Any:
        """The bot's dispatcher, built once and shared by every update: building one takes
        about 10 ms (and importing the bot 40 ms the first time), which each Telegram update
        paid before. Sharing loses nothing: dialogue state is in the database."""
        if self._dispatcher is None:
            from beredskab import bot

            self._dispatcher = bot.build_dispatcher(self._app)
        return self._dispatcher

    async def update(self, _app: Services, payload: dict[str, Any]) -> str:
        """A stored Telegram update, handed to the bot (the inbox's handler)."""
        from beredskab import bot

        return await bot.from_inbox(self._app, payload, self.dispatcher())

    async def poll(self, bot: Any, stop: asyncio.Event) -> None:
        """Long-poll Telegram into the inbox (run by the leader only)."""
        from beredskab import bot as telegram

        await telegram.run_polling(self._app, bot, stop, dispatcher=self.dispatcher())

    async def webhook(self, bot: Any, stop: asyncio.Event) -> None:
        """Webhook mode: register the webhook, then wait (updates arrive through the web)."""
        from beredskab import bot as telegram

        await telegram.set_webhook(self._app, bot, dispatcher=self.dispatcher())
        await stop.wait()
