"""Composition root: builds settings, plan, database, channels and outbox; owns start/stop."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from dataclasses import dataclass, field

from beredskab.errors import ConfigError, PlanInvalidError
from beredskab.outbox import Outbox
from beredskab.plan import Plan, load_plan
from beredskab.settings import Settings
from beredskab.storage import Database
from beredskab.storage.db import Clock
from notifier.base import Channel
from notifier.channels.console import ConsoleChannel
from notifier.types import ChannelKind

log = logging.getLogger(__name__)


def build_channels(settings: Settings) -> tuple[dict[ChannelKind, Channel], bool]:
    """The channel for each kind, and whether any of them reaches real people."""
    console = ConsoleChannel(
        settings.outbox_file, echo=sys.stdout if settings.console.echo else None
    )
    channels: dict[ChannelKind, Channel] = {kind: console for kind in ChannelKind}
    return channels, False


def load(settings: Settings) -> Plan:
    """Load the plan named in the settings."""
    return load_plan(
        playbooks_dir=settings.plan.playbooks_dir, directory_file=settings.plan.directory_file
    )


@dataclass
class App:
    """Everything the service runs, built once and passed to every interface."""

    settings: Settings
    plan: Plan
    db: Database
    channels: dict[ChannelKind, Channel]
    outbox: Outbox
    _closed: bool = field(default=False, repr=False)

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None) -> App:
        """Load and validate the plan, then build storage, channels and outbox."""
        plan = load(settings)
        channels, live = build_channels(settings)
        if live and plan.directory.example:
            raise ConfigError(
                f"{plan.directory.source} is the fictional example directory; it cannot be used "
                "with live SMS, email or Telegram providers. Set [plan] directory_file to the real "
                "contact list (kept outside git)."
            )
        db = Database(settings.database_url, clock=clock)
        outbox = Outbox(db=db, channels=channels, settings=settings.outbox)
        return cls(settings=settings, plan=plan, db=db, channels=channels, outbox=outbox)

    async def start(self) -> None:
        """Bring the database schema up to date."""
        await self.db.upgrade()

    def reload_plan(self) -> list[str]:
        """Reload the plan files; on problems keep the running plan and return them."""
        try:
            self.plan = load(self.settings)
        except PlanInvalidError as exc:
            log.error("plan reload refused, keeping version %s: %s", self.plan.version, exc)
            return list(exc.problems)
        log.info("plan reloaded: version %s", self.plan.version)
        return []

    async def serve(self, stop: asyncio.Event | None = None) -> None:
        """Run the delivery workers until SIGINT/SIGTERM (or ``stop``), then drain cleanly."""
        await self.start()
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        loop.add_signal_handler(signal.SIGHUP, self.reload_plan)
        log.info("beredskab serving plan version %s", self.plan.version)
        try:
            await self.outbox.run(stop)
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                loop.remove_signal_handler(sig)

    async def aclose(self) -> None:
        """Close channels and database connections."""
        if self._closed:
            return
        self._closed = True
        for channel in {id(c): c for c in self.channels.values()}.values():
            await channel.aclose()
        await self.db.dispose()
