"""Shared pieces of the input fault tests: the web app on a real 127.0.0.1 socket, row counts."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from sqlalchemy import func, select

from beredskab.app import App
from beredskab.storage import tables
from beredskab.web import create_app

STATE_TABLES = tuple(
    name for name in tables.metadata.tables if name != "inbound" and not name.startswith("audit")
)
"""Every table whose rows are the service's state: all but the inbox and the audit trail."""


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


async def inbox_outcomes(app: App) -> list[str]:
    """The outcome of every inbound event, in order (None while unprocessed)."""
    async with app.db.engine.connect() as conn:
        rows = await conn.execute(select(tables.inbound.c.outcome).order_by(tables.inbound.c.id))
        return [str(outcome) for outcome in rows.scalars()]


def _serve_from_config(config: str, port_file: str) -> None:
    """Run the web app of the service configured in ``config`` under uvicorn on a free
    127.0.0.1 port, written to ``port_file`` (connections wait in the backlog until served)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)

    async def main() -> None:
        from beredskab.settings import load_settings

        app = App.build(load_settings(Path(config)))
        await app.start()
        server = uvicorn.Server(uvicorn.Config(create_app(app), log_level="warning"))
        await server.serve(sockets=[sock])

    Path(port_file).write_text(str(sock.getsockname()[1]), encoding="utf-8")
    asyncio.run(main())


if __name__ == "__main__":
    _serve_from_config(sys.argv[1], sys.argv[2])
