"""Shared pieces of the input fault tests: the web app on a real 127.0.0.1 socket, row counts."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from sqlalchemy import func, select

from beredskab.app import App
from beredskab.storage import tables
from beredskab.web import create_app

STATE_TABLES = (
    "incidents",
    "confirmations",
    "deliveries",
    "steps",
    "tasks",
    "log_entries",
    "timers",
    "telegram_links",
    "pins",
    "pin_failures",
    "pin_lockouts",
    "action_tokens",
    "web_codes",
    "web_sessions",
    "api_tokens",
    "communications",
)
"""Every table whose rows are the service's state (not the inbox or the audit trail)."""


@asynccontextmanager
async def served(app: App) -> AsyncIterator[str]:
    """The service's web app under uvicorn on a free 127.0.0.1 port, in this event loop;
    yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(app), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(60):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def row_counts(app: App) -> dict[str, int]:
    """The number of rows in each state table."""
    counts: dict[str, int] = {}
    async with app.db.engine.connect() as conn:
        for name in STATE_TABLES:
            table = tables.metadata.tables[name]
            counts[name] = int(
                (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            )
    return counts
