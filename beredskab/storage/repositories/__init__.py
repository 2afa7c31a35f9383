"""Repositories: queries only, returning domain models. One class per aggregate."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncConnection

# Its tables are defined in its module (on ``tables.metadata``): imported here so the metadata
# is complete whenever the repositories are (migration checks, privacy's erasure, fault tests).
from beredskab.storage.repositories import preparedness as _preparedness  # noqa: F401

if TYPE_CHECKING:
    from beredskab.storage.repositories.api_tokens import ApiTokenRepo
    from beredskab.storage.repositories.audit import AuditRepo
    from beredskab.storage.repositories.communications import CommunicationRepo
    from beredskab.storage.repositories.deliveries import DeliveryRepo
    from beredskab.storage.repositories.directory import DirectoryRepo
    from beredskab.storage.repositories.fanouts import FanoutRepo
    from beredskab.storage.repositories.gauges import GaugeRepo
    from beredskab.storage.repositories.incidents import IncidentRepo
    from beredskab.storage.repositories.live import LiveRepo
    from beredskab.storage.repositories.log import LogRepo
    from beredskab.storage.repositories.notices import NoticeRepo
    from beredskab.storage.repositories.people import PeopleRepo
    from beredskab.storage.repositories.picture import PictureRepo
    from beredskab.storage.repositories.preparedness import PreparednessRepo
    from beredskab.storage.repositories.privacy import PrivacyRepo
    from beredskab.storage.repositories.residents import ResidentRepo
    from beredskab.storage.repositories.security import InboxRepo, PinRepo
    from beredskab.storage.repositories.timers import TimerRepo
    from beredskab.storage.repositories.web import WebRepo
    from beredskab.storage.repositories.work import StepRepo, TaskRepo


def import_all() -> None:
    """Import every repository now: a command imports only those it uses (``Tx``'s
    properties), ``serve`` all of them once ready, so no request waits for an import."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


class Tx:
    """One open transaction: the repositories bound to it and the time it started.

    A repository is built (and its module imported) when the transaction first uses it, so
    a command that reads one table (`beredskab status`) imports few repositories, not all.
    """

    def __init__(
        self, conn: AsyncConnection, now: datetime, *, dialect: str, log_key: bytes
    ) -> None:
        self._conn = conn
        self.now = now
        self.dialect = dialect
        self.log_key = log_key
        self.topics: set[str] = set()
        """What this transaction queued, signalled once it commits (``storage.signals``)."""

    @cached_property
    def incidents(self) -> IncidentRepo:
        from beredskab.storage.repositories.incidents import IncidentRepo

        return IncidentRepo(self._conn)

    @cached_property
    def deliveries(self) -> DeliveryRepo:
        from beredskab.storage.repositories.deliveries import DeliveryRepo

        return DeliveryRepo(self._conn, dialect=self.dialect, signal=self.signal)

    @cached_property
    def steps(self) -> StepRepo:
        from beredskab.storage.repositories.work import StepRepo

        return StepRepo(self._conn)

    @cached_property
    def tasks(self) -> TaskRepo:
        from beredskab.storage.repositories.work import TaskRepo

        return TaskRepo(self._conn)

    @cached_property
    def log(self) -> LogRepo:
        from beredskab.storage.repositories.log import LogRepo

        return LogRepo(self._conn)

    @cached_property
    def audit(self) -> AuditRepo:
        from beredskab.storage.repositories.audit import AuditRepo

        return AuditRepo(self._conn)

    @cached_property
    def people(self) -> PeopleRepo:
        from beredskab.storage.repositories.people import PeopleRepo

        return PeopleRepo(self._conn)

    @cached_property
    def inbox(self) -> InboxRepo:
        from beredskab.storage.repositories.security import InboxRepo

        return InboxRepo(self._conn)

    @cached_property
    def pins(self) -> PinRepo:
        from beredskab.storage.repositories.security import PinRepo

        return PinRepo(self._conn)

    @cached_property
    def preparedness(self) -> PreparednessRepo:
        from beredskab.storage.repositories.preparedness import PreparednessRepo

        return PreparednessRepo(self._conn)

    @cached_property
    def timers(self) -> TimerRepo:
        from beredskab.storage.repositories.timers import TimerRepo

        return TimerRepo(self._conn, dialect=self.dialect, signal=self.signal)

    @cached_property
    def api_tokens(self) -> ApiTokenRepo:
        from beredskab.storage.repositories.api_tokens import ApiTokenRepo

        return ApiTokenRepo(self._conn)

    @cached_property
    def web(self) -> WebRepo:
        from beredskab.storage.repositories.web import WebRepo

        return WebRepo(self._conn)

    @cached_property
    def communications(self) -> CommunicationRepo:
        from beredskab.storage.repositories.communications import CommunicationRepo

        return CommunicationRepo(self._conn)

    @cached_property
    def live(self) -> LiveRepo:
        from beredskab.storage.repositories.live import LiveRepo

        return LiveRepo(self._conn)

    @cached_property
    def picture(self) -> PictureRepo:
        from beredskab.storage.repositories.picture import PictureRepo

        return PictureRepo(self._conn)

    @cached_property
    def fanouts(self) -> FanoutRepo:
        from beredskab.storage.repositories.fanouts import FanoutRepo

        return FanoutRepo(self._conn, dialect=self.dialect, signal=self.signal)

    @cached_property
    def notices(self) -> NoticeRepo:
        from beredskab.storage.repositories.notices import NoticeRepo

        return NoticeRepo(self._conn)

    @cached_property
    def residents(self) -> ResidentRepo:
        from beredskab.storage.repositories.residents import ResidentRepo

        return ResidentRepo(self._conn, signal=self.signal)

    @cached_property
    def directory(self) -> DirectoryRepo:
        from beredskab.storage.repositories.directory import DirectoryRepo

        return DirectoryRepo(self._conn)

    @cached_property
    def gauges(self) -> GaugeRepo:
        from beredskab.storage.repositories.gauges import GaugeRepo

        return GaugeRepo(self._conn)

    @cached_property
    def privacy(self) -> PrivacyRepo:
        from beredskab.storage.repositories.privacy import PrivacyRepo

        return PrivacyRepo(self._conn, signal=self.signal)

    def signal(self, *topics: str) -> None:
        """Mark this transaction: once it commits, whoever waits for ``topics`` wakes (in
        this process and, through ``Database``, in others)."""
        self.topics.update(topics)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: an error inside rolls back only what happened inside."""
        async with self._conn.begin_nested():
            yield


__all__ = ["Tx"]
