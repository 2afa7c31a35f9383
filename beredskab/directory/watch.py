"""Keeping the running plan on the newest directory revision, without a restart.

A stored change signals ``directory`` when it commits (in this process at once, in others
through ``runtime.listener``); the watcher then reads the newest revision number and, when it
moved, rebuilds the plan (``App.refresh_directory``). When listening restarts every topic
fires once, so a change committed meanwhile is picked up too.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from beredskab import i18n
from beredskab.errors import PlanInvalidError
from beredskab.i18n import Language
from beredskab.plan import Plan, assemble
from beredskab.runtime.backoff import Backoff
from beredskab.runtime.health import error_reason
from beredskab.storage import is_transient
from beredskab.storage.signals import DIRECTORY, wait

if TYPE_CHECKING:
    from beredskab.app import App
    from beredskab.storage import Database
    from contacts.directory import Directory

log = logging.getLogger(__name__)
NAME = "directory"


class InUse:
    """Which stored revision the running plan is built on (None: the configured file)."""

    def __init__(self) -> None:
        self.revision: int | None = None
        self._stored: Directory | None = None
        self._refused: tuple[int | None, list[str]] | None = None

    async def refresh(
        self, db: Database, plan: Plan, language: Language, *, strict: bool
    ) -> tuple[Plan, list[str]]:
        """``plan`` rebuilt on the newest stored revision when it moved, and the problems that
        kept the running plan (``strict``: raise ``PlanInvalidError`` instead)."""
        from beredskab.directory import store

        head = await store.head(db)
        if head == self.revision:
            return plan, []
        if not strict and self._refused is not None and self._refused[0] == head:
            return plan, self._refused[1]  # said once in the log; /healthz keeps saying it
        try:
            found = await store.stored(db)
            if found is None:
                return plan, []
            rebuilt = i18n.with_default_language(assemble(plan.playbooks, found.directory), language)
        except PlanInvalidError as exc:
            if strict:
                raise
            log.error("directory reload refused, keeping the running one: %s", exc)
            self._refused = (head, list(exc.problems))
            return plan, list(exc.problems)
        self.revision, self._stored = found.revision, found.directory
        log.info("directory revision %s in use", found.revision)
        return rebuilt, []

    def applied(self, plan: Plan, language: Language) -> Plan:
        """A plan reloaded from the files, with the stored directory in use (if any)."""
        if self._stored is None:
            return plan
        return i18n.with_default_language(assemble(plan.playbooks, self._stored), language)


async def first_load(app: App, stop: asyncio.Event) -> bool:
    """Load the stored directory before the rest of `serve` starts, retrying while the
    database does not answer; False if ``stop`` came first. An invalid stored directory or
    the example directory with live providers raises (the service refuses to start)."""
    backoff = Backoff(first=0.5, cap=10.0)
    while not stop.is_set():
        try:
            await app.refresh_directory(strict=True)
        except Exception as error:
            if not is_transient(error):
                raise
            app.board.set(NAME, "down", "waiting for the database", quiet=True)
            if await backoff.wait(stop):
                return False
            continue
        app.check_example()
        return True
    return False


async def run(app: App, stop: asyncio.Event) -> None:
    """Rebuild the plan whenever a new directory revision is committed, until ``stop``."""
    signals = app.db.signals
    sub = signals.subscribe(DIRECTORY)
    backoff = Backoff(first=0.5, cap=10.0)
    try:
        while not stop.is_set():
            sub.clear()
            try:
                problems = await app.refresh_directory()
            except Exception as error:
                if not is_transient(error):
                    log.exception("directory reload failed; retrying")
                app.board.set(NAME, "degraded", error_reason(error))
                if await backoff.wait(stop):
                    return
                continue
            backoff.reset()
            if problems:  # the running plan is kept; `plan check` and the log say why
                app.board.set(NAME, "degraded", f"newest directory refused: {problems[0]}"[:300])
            elif (entry := app.board.get(NAME)) is not None and entry.state != "ok":
                app.board.set(NAME, "ok")
            await wait(sub, stop, signals.max_nap(app.settings.outbox.max_idle_seconds))
    finally:
        sub.close()
