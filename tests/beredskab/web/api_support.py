"""Shared pieces of the JSON API tests: the service on the console channel, a client, tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from beredskab.app import App
from beredskab.delivery.outbox import Outbox
from beredskab.models import AuditEntry, LogEntry
from beredskab.plan import Plan
from beredskab.security import api_tokens
from beredskab.settings import ConsoleSettings, ServiceSettings, Settings
from beredskab.storage import Database
from beredskab.storage.db import Clock
from beredskab.web import create_app
from notifier.base import Channel
from notifier.channels.console import ConsoleChannel
from notifier.types import ChannelKind

BASE = "http://127.0.0.1"


@asynccontextmanager
async def service(db_url: str, clock: Clock, plan: Plan, tmp_path: Path) -> AsyncIterator[App]:
    """The service on the console channel and the test clock."""
    settings = Settings(
        service=ServiceSettings(data_dir=tmp_path),
        console=ConsoleSettings(outbox_file=tmp_path / "outbox.jsonl", echo=False),
    )
    db = Database(db_url, clock=clock)
    await db.upgrade()
    console = ConsoleChannel(settings.outbox_file, echo=None)
    channels: dict[ChannelKind, Channel] = {kind: console for kind in ChannelKind}
    outbox = Outbox(db=db, channels=channels, settings=settings.outbox)
    built = App(settings=settings, plan=plan, db=db, channels=channels, outbox=outbox)
    try:
        yield built
    finally:
        await built.aclose()


def client(app: App) -> httpx.AsyncClient:
    """An HTTP client talking to the web app in-process (ASGI)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(app)), base_url=BASE)


async def token_for(app: App, person_id: str, name: str = "test") -> dict[str, str]:
    """Authorization headers with a fresh token acting as the person."""
    created = await api_tokens.create(db=app.db, plan=app.plan, name=name, person_id=person_id)
    return {"Authorization": f"Bearer {created.plaintext}"}


async def audit_rows(app: App, action: str) -> list[AuditEntry]:
    """The audit rows of one action, oldest first."""
    async with app.db.transaction() as tx:
        return [a for a in await tx.audit.list(limit=1000) if a.action == action]


async def log_of(app: App, incident_id: int) -> list[LogEntry]:
    """An incident's situation log."""
    async with app.db.transaction() as tx:
        return await tx.log.list(incident_id)
