"""Composition root: builds settings, plan, database, channels and outbox; owns start/stop."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

from beredskab import escalation, preparedness
from beredskab.errors import ConfigError, PlanInvalidError
from beredskab.inbox import Inbox
from beredskab.links import LinkSigner
from beredskab.outbox import Outbox
from beredskab.pacing import PaceLimits
from beredskab.plan import Plan, load_plan
from beredskab.runtime.backoff import keep_running
from beredskab.runtime.leadership import InstanceLock, Leadership, LeaderWork
from beredskab.scheduling import Scheduler
from beredskab.settings import Settings
from beredskab.storage import Database
from beredskab.storage.db import Clock
from notifier.base import Channel
from notifier.channels.console import ConsoleChannel
from notifier.errors import PermanentDeliveryError
from notifier.pool import ChannelPool
from notifier.types import ChannelKind, Message, Receipt, Recipient

log = logging.getLogger(__name__)


def live_providers(settings: Settings) -> bool:
    """True when any channel reaches real people (then the example directory is refused)."""
    return settings.twilio.enabled or settings.smtp.enabled or settings.telegram.enabled


def build_channels(settings: Settings) -> dict[ChannelKind, Channel]:
    """The channel for each kind.

    Every kind starts on the console channel; configuring a provider switches its kinds over.
    Provider modules are imported only when configured: aiogram alone takes seconds to
    import, which every CLI command would otherwise pay.
    """
    console = ConsoleChannel(
        settings.outbox_file, echo=sys.stdout if settings.console.echo else None
    )
    channels: dict[ChannelKind, Channel] = {kind: console for kind in ChannelKind}
    twilio = settings.twilio
    if twilio.enabled:
        from notifier.channels.sms import (
            TwilioConfig,
            TwilioHttpClient,
            TwilioSmsChannel,
            TwilioVoiceChannel,
        )

        assert twilio.auth_token is not None
        config = TwilioConfig(
            account_sid=twilio.account_sid,
            auth_token=twilio.auth_token.get_secret_value(),
            from_number=twilio.from_number or None,
            messaging_service_sid=twilio.messaging_service_sid or None,
            validity_period=twilio.validity_period_seconds,
            status_callback_base=settings.service.public_base_url,
            timeout=twilio.timeout_seconds,
        )
        channels[ChannelKind.SMS] = TwilioSmsChannel(
            config, http_client=TwilioHttpClient(base_url=twilio.api_base_url)
        )
        if twilio.from_number:
            channels[ChannelKind.VOICE] = TwilioVoiceChannel(
                config, http_client=TwilioHttpClient(base_url=twilio.api_base_url)
            )
        else:  # a live service must not pretend to call people through the console
            channels[ChannelKind.VOICE] = Unavailable(
                "voice calls need [twilio] from_number (a messaging service cannot call)"
            )
    smtp = settings.smtp
    if smtp.enabled:
        from notifier.channels.email import SmtpConfig, SmtpEmailChannel

        smtp_config = SmtpConfig(
            host=smtp.host,
            port=smtp.port,
            from_address=smtp.from_address,
            from_name=smtp.from_name,
            username=smtp.username,
            password=smtp.password.get_secret_value() if smtp.password else None,
            security=smtp.security,
            ca_file=smtp.ca_file,
            timeout=smtp.timeout_seconds,
        )
        channels[ChannelKind.EMAIL] = ChannelPool(
            [SmtpEmailChannel(smtp_config) for _ in range(smtp.connections)]
        )
    telegram = settings.telegram
    if telegram.enabled:
        from notifier.channels.telegram import TelegramChannel

        assert telegram.bot_token is not None
        channels[ChannelKind.TELEGRAM] = TelegramChannel.from_token(
            telegram.bot_token.get_secret_value(), api_base_url=telegram.api_base_url
        )
    return channels


class Unavailable:
    """A kind that cannot be delivered in this configuration: every send fails plainly."""

    name: ClassVar[str] = "unavailable"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset(ChannelKind)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        """Refuse, saying why (the outbox logs it and falls back)."""
        raise PermanentDeliveryError(self.reason)

    async def aclose(self) -> None:
        """Nothing to release."""


def pacing(settings: Settings) -> dict[ChannelKind, PaceLimits]:
    """Per-channel limits from the settings (the console channel is not paced)."""
    limits: dict[ChannelKind, PaceLimits] = {}
    if settings.twilio.enabled:
        limits[ChannelKind.SMS] = PaceLimits(rate_per_second=settings.twilio.rate_per_second)
        limits[ChannelKind.VOICE] = PaceLimits(rate_per_second=settings.twilio.rate_per_second)
    if settings.smtp.enabled:
        limits[ChannelKind.EMAIL] = PaceLimits(concurrency=settings.smtp.connections)
    if settings.telegram.enabled:
        limits[ChannelKind.TELEGRAM] = PaceLimits(
            rate_per_second=settings.telegram.rate_per_second,
            per_address_per_second=settings.telegram.per_chat_per_second,
        )
    return limits


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
    signer: LinkSigner = field(default_factory=LinkSigner.random, repr=False)
    inbox: Inbox = field(init=False)
    leadership: Leadership = field(init=False)
    _closed: bool = field(default=False, repr=False)
    _components: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.inbox = Inbox(self)
        self.leadership = Leadership(self.db)

    def telegram_bot(self) -> Any | None:
        """The aiogram Bot shared by the Telegram channel and the dispatcher, if configured."""
        channel = self.channels.get(ChannelKind.TELEGRAM)
        return getattr(channel, "bot", None) if self.settings.telegram.enabled else None

    async def tick_timers(self) -> int:
        """Fire due escalation and reminder timers; wake the outbox if that queued messages."""
        fired = await escalation.tick(db=self.db, plan=self.plan)
        if fired:
            self.outbox.wake()
        return fired

    async def preparedness_round(self) -> None:
        """Hourly: start a verification campaign when one is due, remind the unanswered.
        Only the leader runs it (one instance on SQLite is always the leader)."""
        if not self.leadership.is_leader:
            return
        if await preparedness.start_due_verification(app=self) is not None:
            log.info("contact verification campaign started")
        if await preparedness.remind_unanswered(app=self):
            self.outbox.wake()

    async def health(self) -> dict[str, Any]:
        """Each component's state, for /healthz."""
        report: dict[str, Any] = dict(self._components)
        try:
            async with self.db.transaction() as tx:
                report["queued_messages"] = await tx.deliveries.open_count()
                report["inbox_pending"] = len(await tx.inbox.pending(limit=1000))
            report["database"] = "ok"
        except Exception as exc:  # the report must say what is wrong, not crash
            report["database"] = f"error: {type(exc).__name__}"
        report["plan_version"] = self.plan.version
        report["leader"] = self.leadership.is_leader
        report["inbound_spooled"] = await self.inbox.spool.acount()
        return report

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None) -> App:
        """Load and validate the plan, then build storage, channels and outbox.

        Call it inside the running event loop (provider clients bind to it).
        """
        plan = load(settings)
        if live_providers(settings) and plan.directory.example:
            raise ConfigError(
                f"{plan.directory.source} is the fictional example directory; it cannot be used "
                "with live SMS, email or Telegram providers. Set [plan] directory_file to the real "
                "contact list (kept outside git)."
            )
        # Links only travel in email; without email a per-start key needs no warning.
        signer = (
            LinkSigner.from_settings(settings.security)  # validates before anything opens
            if settings.smtp.enabled or settings.security.link_secret
            else LinkSigner.random()
        )
        channels = build_channels(settings)
        password = settings.database.password
        db = Database(
            settings.database_url,
            password=password.get_secret_value() if password else None,
            clock=clock,
        )
        outbox = Outbox(
            db=db,
            channels=channels,
            settings=settings.outbox,
            pacing=pacing(settings),
            link_base=settings.service.public_base_url,
            signer=signer,
        )
        return cls(
            settings=settings, plan=plan, db=db, channels=channels, outbox=outbox, signer=signer
        )

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
        """Run everything in one loop until SIGINT/SIGTERM (or ``stop``): the web app, the
        Telegram bot, the inbox and the delivery workers. On stop, the web server finishes
        in-flight requests and the workers finish in-flight sends before returning.
        On SQLite a second serve on the same database file is refused (``ConfigError``)."""
        instance = InstanceLock.for_database(self.db)
        if instance is not None:
            instance.acquire()
        try:
            await self._serve(stop)
        finally:
            if instance is not None:
                instance.release()

    async def _serve(self, stop: asyncio.Event | None) -> None:
        from beredskab.web.server import WebServer

        await self.start()
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        loop.add_signal_handler(signal.SIGHUP, self.reload_plan)
        web = WebServer(self)
        tasks = {
            "web": asyncio.create_task(web.serve()),
            "outbox": asyncio.create_task(keep_running("outbox", self.outbox.run, stop)),
            "inbox": asyncio.create_task(self.inbox.run(stop)),
            "spool": asyncio.create_task(self.inbox.replayer.run(stop)),
        }
        bot = self.telegram_bot()
        poller: LeaderWork | None = None
        if bot is not None:
            from beredskab import bot as telegram

            if self.settings.telegram.mode == "polling":
                poller = partial(telegram.run_polling, self, bot)  # only while leading
            else:
                await telegram.set_webhook(self, bot)
        tasks["leader"] = asyncio.create_task(self.leadership.run(stop, work=poller))
        scheduler = Scheduler()
        scheduler.every(1.0, self.tick_timers, name="timers")
        scheduler.every(3600.0, self.preparedness_round, name="preparedness")
        scheduler.start()
        self._components = {name: "running" for name in tasks}
        self._components["scheduler"] = "running"
        self._components["bot"] = (
            "disabled" if bot is None else "webhook" if poller is None else "running"
        )
        log.info(
            "beredskab serving plan version %s on %s", self.plan.version, self.settings.web.port
        )
        stopper = asyncio.create_task(stop.wait())
        try:
            done, _ = await asyncio.wait(
                [stopper, *tasks.values()], return_when=asyncio.FIRST_COMPLETED
            )
            failed = [t for t in done if t is not stopper and t.exception() is not None]
            stop.set()
            web.stop()
            await asyncio.gather(*tasks.values(), return_exceptions=True)
            if failed:
                raise RuntimeError("a component stopped unexpectedly") from failed[0].exception()
        finally:
            scheduler.shutdown()
            stopper.cancel()
            self._components = {}
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
