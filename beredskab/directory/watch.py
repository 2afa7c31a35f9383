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

from beredskab.errors import PlanInvalidError
from beredskab.i18n import Language
from beredskab.plan import Plan, assemble, load_plan, plan_version, with_default_language
from beredskab.runtime.backoff import Backoff
from beredskab.runtime.health import error_reason
from beredskab.storage import is_transient
from beredskab.storage.signals import DIRECTORY, wait
from contacts.directory import Directory
from contacts.models import DirectoryFile
from playbooks.errors import PlaybookError
from playbooks.loader import PlaybookSet, load_playbooks

if TYPE_CHECKING:
    from beredskab.services import Services
    from beredskab.settings import Settings
    from beredskab.storage import Database

log = logging.getLogger(__name__)
NAME = "directory"


class InUse:
    """Which stored revision the running plan is built on (None: the configured file)."""

    def __init__(self) -> None:
        self.revision: int | None = None
        self._stored: Directory | None = None
        self._refused: tuple[int | None, list[str]] | None = None
        self._file_problems: list[str] = []
        """Why the configured file did not load: an error only while nothing is stored."""

    def load_files(self, settings: Settings, *, provisional: bool = False) -> Plan:
        """The plan from the playbook files with the stored directory, else the configured
        file. ``provisional`` (before the database was read): a file that does not load is
        kept as problems, raised by ``refresh`` only if the database holds no directory."""
        language = settings.service.language
        if self._stored is not None:
            return with_default_language(assemble(_playbooks(settings), self._stored), language)
        try:
            plan = load_plan(
                playbooks_dir=settings.plan.playbooks_dir,
                directory_file=settings.plan.directory_file,
            )
        except PlanInvalidError as exc:
            if not provisional:
                raise
            playbooks = _playbooks(settings)  # invalid playbooks stop the start at once
            self._file_problems = list(exc.problems)
            return Plan(playbooks, _EMPTY, plan_version(playbooks), ())
        self._file_problems = []
        return with_default_language(plan, language)

    async def refresh(
        self, db: Database, plan: Plan, language: Language, *, strict: bool
    ) -> tuple[Plan, list[str]]:
        """``plan`` rebuilt on the newest stored revision when it moved, and the problems that
        kept the running plan (``strict``: raise ``PlanInvalidError`` instead)."""
        from beredskab.directory import store

        head = await store.head(db)
        if head is None and self._file_problems:
            if strict:
                raise PlanInvalidError(self._file_problems)
            return plan, self._file_problems
        if head == self.revision:
            return plan, []
        if not strict and self._refused is not None and self._refused[0] == head:
            return plan, self._refused[1]  # said once in the log; /healthz keeps saying it
        try:
            found = await store.stored(db)
            if found is None:
                return plan, []
            rebuilt = with_default_language(assemble(plan.playbooks, found.directory), language)
        except PlanInvalidError as exc:
            if strict:
                raise
            log.error("directory reload refused, keeping the running one: %s", exc)
            self._refused = (head, list(exc.problems))
            return plan, list(exc.problems)
        self.revision, self._stored, self._file_problems = found.revision, found.directory, []
        log.info("directory revision %s in use", found.revision)
        return rebuilt, []


def _playbooks(settings: Settings) -> PlaybookSet:
    try:
        return load_playbooks(settings.plan.playbooks_dir)
    except PlaybookError as exc:
        raise PlanInvalidError([str(p) for p in exc.problems]) from exc


_EMPTY = Directory(
    DirectoryFile.model_construct(
        name="(not loaded)", example=False, roles=(), people=(), targets=(), assignments=()
    ),
    source="(not loaded)",
)
"""Stands in until the database is read, when the configured file did not load."""


async def first_load(app: Services, stop: asyncio.Event) -> bool:
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


async def run(app: Services, stop: asyncio.Event) -> None:
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
