"""The running service as the interfaces and the inbound handlers see it.

``beredskab.app.App`` (the composition root) builds settings, plan, database, channels, outbox
and inbox once and satisfies ``Services``. Every interface (web, bot, CLI commands), the inbox
and the use cases that need more than a database and a plan name this protocol instead of the
class, so nothing imports ``beredskab.app`` but the entry point that builds it
(``beredskab.cli.common``); an import contract keeps it so (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from beredskab.delivery.links import LinkSigner
    from beredskab.delivery.outbox import Outbox
    from beredskab.observability.metrics import Metrics
    from beredskab.plan import Plan
    from beredskab.runtime.health import Board
    from beredskab.runtime.leadership import Leadership
    from beredskab.settings import Settings
    from beredskab.storage import Database
    from notifier.base import Channel
    from notifier.types import ChannelKind


class Spool(Protocol):
    """The local durable spool behind the inbox (``inbound.spool``)."""

    async def acount(self) -> int:
        """Events waiting in the spool for the database."""
        ...


class Inbox(Protocol):
    """The inbox (``inbound.inbox``): an event is stored first, handled in the background."""

    @property
    def spool(self) -> Spool: ...

    async def receive(self, *, source: str, provider_id: str, payload: dict[str, Any]) -> bool:
        """Store one event; False for a replay."""
        ...


class Services(Protocol):
    """What the interfaces use of the running service (built by ``beredskab.app.App``)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def plan(self) -> Plan:
        """The plan in force (replaced when the directory or the files change)."""
        ...

    @property
    def db(self) -> Database: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def signer(self) -> LinkSigner: ...

    @property
    def inbox(self) -> Inbox: ...

    @property
    def board(self) -> Board:
        """Each component's state for /healthz."""
        ...

    @property
    def metrics(self) -> Metrics: ...

    @property
    def leadership(self) -> Leadership: ...

    @property
    def channels(self) -> Mapping[ChannelKind, Channel]: ...

    def telegram_bot(self) -> Any | None:
        """The aiogram Bot, if Telegram is configured."""
        ...

    async def health(self) -> dict[str, Any]:
        """The /healthz report."""
        ...

    async def refresh_directory(self, *, strict: bool = False) -> list[str]:
        """Rebuild the plan on the newest stored directory revision; the problems, if any."""
        ...

    def check_example(self) -> None:
        """Refuse the fictional example directory with live providers."""
        ...
