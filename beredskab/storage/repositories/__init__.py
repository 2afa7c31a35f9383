"""Repositories: queries only, returning domain models. One class per aggregate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

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


class Tx:
    """One open transaction: the repositories bound to it and the time it started."""

    def __init__(
        self, conn: AsyncConnection, now: datetime, *, dialect: str, log_key: bytes
    ) -> None:
        self._conn = conn
        self.now = now
        self.dialect = dialect
        self.log_key = log_key
        self.topics: set[str] = set()
        """What this transaction queued, signalled once it commits (``storage.signals``)."""
        self.incidents = IncidentRepo(conn)
        self.deliveries = DeliveryRepo(conn, dialect=dialect, signal=self.signal)
        self.steps = StepRepo(conn)
        self.tasks = TaskRepo(conn)
        self.log = LogRepo(conn)
        self.audit = AuditRepo(conn)
        self.people = PeopleRepo(conn)
        self.inbox = InboxRepo(conn)
        self.pins = PinRepo(conn)
        self.preparedness = PreparednessRepo(conn)
        self.timers = TimerRepo(conn, dialect=dialect, signal=self.signal)
        self.api_tokens = ApiTokenRepo(conn)
        self.web = WebRepo(conn)
        self.communications = CommunicationRepo(conn)
        self.live = LiveRepo(conn)
        self.picture = PictureRepo(conn)
        self.fanouts = FanoutRepo(conn, dialect=dialect, signal=self.signal)
        self.notices = NoticeRepo(conn)
        self.residents = ResidentRepo(conn)
        self.directory = DirectoryRepo(conn)
        self.gauges = GaugeRepo(conn)
        self.privacy = PrivacyRepo(conn)

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
