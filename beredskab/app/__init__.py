"""Composition root: builds settings, plan, database, channels and outbox; owns start/stop."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from beredskab import preparedness
from beredskab.app.telegram import Telegram
from beredskab.boundary.keys import utcnow
from beredskab.communications import resident_send
from beredskab.delivery import pacing
from beredskab.delivery.links import LinkSigner
from beredskab.delivery.outbox import Outbox
from beredskab.directory import watch as directory_watch
from beredskab.errors import PlanInvalidError
from beredskab.inbound.inbox import Inbox
from beredskab.incident import asking, fanout
from beredskab.incident.timer_loop import TimerLoop
from beredskab.observability.metrics import Metrics
from beredskab.operations.identity import service_id
from beredskab.plan import Plan
from beredskab.runtime import startup
from beredskab.runtime.channels import build_channels, live_providers
from beredskab.runtime.config_discovery import example_with_live_providers
from beredskab.runtime.database import open_database
from beredskab.runtime.health import Board, error_reason
from beredskab.runtime.leadership import InstanceLock, Leadership, LeaderWork
from beredskab.runtime.listener import Listener
from beredskab.runtime.shutdown import Budget, Deadline
from beredskab.runtime.supervisor import Component, FatalError, Job, Supervisor
from beredskab.settings import Settings
from beredskab.storage import Database, chain, is_transient
from beredskab.storage.db import Clock
from notifier.base import Channel
from notifier.types import ChannelKind

if TYPE_CHECKING:
    from beredskab.web.server import WebServer

log = logging.getLogger(__name__)
DATABASE = startup.DATABASE


FANOUT_KINDS: fanout.Kinds = {**fanout.KINDS, resident_send.KIND: resident_send.FANOUT}
"""Every kind of fan-out ``serve`` and the commands continue: the incident's and the resident
message's (defined above the incident, so it is added here)."""
PROBE_SECONDS = 2.0
"""/healthz waits at most this long for the database before calling it down."""


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
    fanouts: fanout.Runner = field(init=False)
    timers: TimerLoop = field(init=False)
    listener: Listener = field(init=False)
    board: Board = field(default_factory=Board, repr=False)
    in_use: directory_watch.InUse = field(default_factory=directory_watch.InUse, repr=False)
    """Which stored directory revision the plan is built on."""
    metrics: Metrics = field(default_factory=Metrics, repr=False)
    _closed: bool = field(default=False, repr=False)
    _supervisor: Supervisor | None = field(default=None, repr=False)
    telegram: Telegram = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.telegram = Telegram(self)
        self.inbox = Inbox(self, handlers={"telegram": self.telegram.update})
        self.leadership = Leadership(self.db, board=self.board)
        self.fanouts = fanout.Runner(db=self.db, plan=lambda: self.plan, kinds=FANOUT_KINDS)
        self.listener = Listener(self.db, board=self.board)
        self.timers = TimerLoop(
            db=self.db,
            plan=lambda: self.plan,
            board=self.board,
            link_base=self.settings.service.public_base_url,
            max_idle_seconds=self.settings.outbox.max_idle_seconds,
            stopping=lambda: self.stopping,
            fired_late=self.metrics.timer_fired,
        )

    def telegram_bot(self) -> Any | None:
        """The aiogram Bot shared by the Telegram channel and the dispatcher, if configured."""
        return self.telegram.bot()

    @property
    def stopping(self) -> bool:
        """True once `serve` has begun to shut down."""
        return self._supervisor is not None and self._supervisor.stopping

    async def preparedness_round(self) -> None:
        """Hourly: start a verification campaign when one is due, remind the unanswered.
        Only the leader runs it (one instance on SQLite is always the leader)."""
        if not self.leadership.is_leader:
            return
        if await preparedness.start_due_verification(app=self) is not None:
            log.info("contact verification campaign started")
        if await preparedness.remind_unanswered(app=self):
            self.outbox.wake()

    async def privacy_round(self) -> None:
        """Hourly: delete what is past its retention (``privacy.retention``); leader only."""
        if self.leadership.is_leader:
            from beredskab.privacy import retention

            done = await retention.run(db=self.db, settings=self.settings.privacy)
            if done.incidents or done.audit_rows or done.inbound or done.messages:
                log.info("retention: %s", done.summary)

    async def health(self) -> dict[str, Any]:
        """For /healthz: each component's state with reason and since when, the database
        (probed, at most ``PROBE_SECONDS``), queued messages and the plan version."""
        report: dict[str, Any] = {"queued_messages": None, "inbox_pending": None}
        probe = asyncio.ensure_future(self._probe())
        done, _ = await asyncio.wait({probe}, timeout=PROBE_SECONDS)
        if not done:  # a hung server: give up now, let the probe unwind in the background
            probe.cancel()
            probe.add_done_callback(lambda t: t.cancelled() or t.exception())
            self.board.set(DATABASE, "down", f"no answer within {PROBE_SECONDS:g} s")
        elif (exc := probe.exception()) is not None:  # say what is wrong, do not crash
            self.board.set(DATABASE, "down", error_reason(exc))
        else:
            report["queued_messages"], report["inbox_pending"] = probe.result()
            self.board.set(DATABASE, "ok")
        entries = self.board.snapshot()  # the outbox reports its loops here too
        database = entries.pop(DATABASE)
        components = {name: status.as_json() for name, status in entries.items()}
        return {
            "status": self.board.worst(),
            "database": database.as_json(),
            "components": components,
            **report,
            "leader": self.leadership.is_leader,
            "inbound_spooled": await self.inbox.spool.acount(),
            "plan_version": self.plan.version,
            "service_id": service_id(self.db.log_key),  # doctor: is public_base_url us?
        }

    async def _probe(self) -> tuple[int, int]:
        """Queued messages and unprocessed inbound events, read without the write lock."""
        async with self.db.read() as tx:
            return await tx.deliveries.open_count(), len(await tx.inbox.pending(limit=1000))

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None, send: bool = True) -> App:
        """Load and validate the plan, then build storage, channels and outbox.

        Call it inside the running event loop (provider clients bind to it). ``send=False``
        (a command that only reads or queues): no channels, so no provider SDK is imported;
        what is queued is sent by `serve`.
        """
        in_use = directory_watch.InUse()
        plan = in_use.load_files(settings, provisional=True)  # the stored directory wins at start
        # Email links and Telegram buttons: one key for every process on this data folder.
        signer = LinkSigner.from_settings(
            settings.security, data_dir=settings.service.data_dir, clock=clock or utcnow
        )
        channels = build_channels(settings) if send else {}
        board = Board()  # /healthz: the supervisor's components and the outbox's loops
        metrics = Metrics()  # /metrics: what this process did
        db = open_database(settings, clock=clock)
        outbox = Outbox(
            db=db,
            channels=channels,
            settings=settings.outbox,
            pacing=pacing.from_settings(settings),
            link_base=settings.service.public_base_url,
            signer=signer,
            board=board,
            metrics=metrics,
        )
        return cls(
            settings=settings,
            plan=plan,
            in_use=in_use,
            db=db,
            channels=channels,
            outbox=outbox,
            signer=signer,
            board=board,
            metrics=metrics,
        )

    async def start(self) -> None:
        """Bring the database schema up to date (`serve` retries while it is unreachable)
        and put the directory kept in the database, if any, into the plan."""
        await self.db.upgrade()
        await chain.key_in_use(db=self.db)  # warns when another key wrote the log
        self.metrics.started_at = await self.db.now()  # milestones count from here
        await self.refresh_directory(strict=True)
        self.check_example()

    def check_example(self) -> None:
        """Refuse the fictional example directory with live providers."""
        if live_providers(self.settings) and self.plan.directory.example:
            raise example_with_live_providers(self.plan.directory.source)

    async def refresh_directory(self, *, strict: bool = False) -> list[str]:
        """Rebuild the plan on the newest stored directory revision when it moved; on problems
        keep the running plan and return them (``strict``, at start: raise)."""
        self.plan, problems = await self.in_use.refresh(
            self.db, self.plan, self.settings.service.language, strict=strict
        )
        asking.rank_every_playbook(self.plan)
        return problems

    @property
    def directory_revision(self) -> int | None:
        """The stored directory revision the plan is built on; None: the configured file."""
        return self.in_use.revision

    def reload_plan(self) -> list[str]:
        """Reload the plan files (with the stored directory, if any); on problems keep the
        running plan and return them."""
        try:
            self.plan = self.in_use.load_files(self.settings)
        except PlanInvalidError as exc:
            log.error("plan reload refused, keeping version %s: %s", self.plan.version, exc)
            return list(exc.problems)
        log.info("plan reloaded: version %s", self.plan.version)
        asking.rank_every_playbook(self.plan)
        return []

    def warm_up(self) -> None:
        """Do now what the night's first activation and first reply would otherwise do on
        first use (``serve``, once ready; no database work): import every repository and
        the SMS handlers (with argon2), build the models' validators, rank every playbook's
        asking order, and with Telegram import the bot and build its dispatcher. Measured at
        5,000 people, the first activation after a start took 56 ms of CPU against 18 ms for
        the next ones, 20 ms of it for the first three; the bot's import and dispatcher
        (50-70 ms) ran on the loop just after the start, beside the first activation."""
        from beredskab import models
        from beredskab.inbound import sms_answers, sms_commands  # noqa: F401
        from beredskab.storage import repositories

        repositories.import_all()
        models.build_validators()
        asking.rank_every_playbook(self.plan)
        if self.telegram_bot() is not None:
            self.telegram.dispatcher()

    def components(self, web: WebServer) -> list[Component]:
        """Everything `serve` keeps running, one line each; "web" starts first (it answers
        /healthz while the database is still unreachable), the rest once the schema is ready."""
        bot = self.telegram_bot()
        polling = bot is not None and self.settings.telegram.mode == "polling"
        poller: LeaderWork | None = partial(self.telegram.poll, bot) if polling else None
        table: list[Component | None] = [
            Component("web", web.serve),
            Component("inbox", self.inbox.run),
            Component("spool", self.inbox.replayer.run),
            Component("outbox", self.outbox.run),
            Component("fanout", self.fanouts.run),
            Component("timers", self.timers.run),
            Component("directory", partial(directory_watch.run, self)),
            Component("signals", self.listener.run) if self.listener.needed else None,
            Component("leader", partial(self.leadership.run, work=poller)),
            Component("bot", partial(self.telegram.webhook, bot))
            if bot is not None and not polling
            else None,
        ]
        return [c for c in table if c is not None]

    def jobs(self) -> list[Job]:
        """Recurring jobs, run by the scheduler under the supervisor's guard."""
        return [
            Job("preparedness", 3600.0, self.preparedness_round),
            Job("privacy", 3600.0, self.privacy_round),
        ]

    async def serve(
        self,
        stop: asyncio.Event | None = None,
        *,
        deadline: Deadline | None = None,
        announce: Callable[[tuple[str, int]], None] | None = None,
    ) -> None:
        """Run everything until SIGINT/SIGTERM (or ``stop``), each component supervised:
        a failing one is restarted with backoff, never taking the others down. Raises
        ``FatalError`` only for what cannot heal (port taken, schema cannot be migrated).

        Shutdown takes at most ``[service] shutdown_seconds``: in-flight work gets most of it,
        then the rest is cancelled; ``deadline`` (armed at the first stop) ends the process
        if something still holds it. ``announce`` is called with the bound address once every
        component runs (`serve` prints the startup line, ``operations.startup_line``)."""
        instance = InstanceLock.for_database(self.db)  # SQLite: one serve per database file
        if instance is not None:
            instance.acquire()
        try:
            await self._serve(stop, deadline, announce)
        finally:
            if instance is not None:
                instance.release()

    async def _serve(
        self,
        stop: asyncio.Event | None,
        deadline: Deadline | None,
        announce: Callable[[tuple[str, int]], None] | None = None,
    ) -> None:
        from beredskab.scheduling import Scheduler
        from beredskab.web.server import WebServer

        budget = Budget(self.settings.service.shutdown_seconds)
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()

        def stopping() -> None:
            if deadline is not None:
                deadline.arm()
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping)
        loop.add_signal_handler(signal.SIGHUP, self.reload_plan)
        supervisor = self._supervisor = Supervisor(self.board, classify=is_transient)
        scheduler = Scheduler()
        try:
            web = WebServer(self, grace=budget.grace)
            try:
                web.listen()
            except OSError as exc:
                where = f"{self.settings.web.host}:{self.settings.web.port}"
                raise FatalError(
                    "cannot listen on {where}: {reason}", where=where, reason=exc.strerror or exc
                ) from exc
            first, *rest = self.components(web)
            ready = await startup.attempt(self.db, self.board, stop)
            if ready is None:
                return
            supervisor.start(first)
            if not ready:
                for component in rest:
                    self.board.set(component.name, "down", "waiting for the database", quiet=True)
                if not await startup.wait_for_schema(self.db, self.board, stop):
                    return
            if not await directory_watch.first_load(self, stop):
                return
            for component in rest:
                supervisor.start(component)
            for job in self.jobs():
                scheduler.every(job.every, supervisor.guard(job.name, job.run), name=job.name)
            scheduler.start()
            log.info(
                "beredskab serving plan version %s on %s", self.plan.version, self.settings.web.port
            )
            if announce is not None and web.address is not None:
                announce(web.address)  # the startup line (cli.service)
            await supervisor.wait(stop)
        finally:
            stopping()
            scheduler.pause()
            await supervisor.shutdown(grace=budget.grace, cancel_wait=budget.cancel_wait)
            scheduler.shutdown()
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
