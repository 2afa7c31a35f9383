"""The real web app, served by uvicorn in the test's event loop on a free 127.0.0.1 port.

It is built by ``App.build`` from test settings (a fresh SQLite file, the console channel, the
bundled plan with the fictional directory), so pages, links and the API run through the same
wiring as ``beredskab serve``. Only the web server runs: no outbox workers, no inbox, no timers
— a test that wants messages delivered calls ``service.deliver()``, which drains the outbox into
the console channel's file, and reads them back with ``service.messages()``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from beredskab.app import App
from beredskab.settings import (
    ConsoleSettings,
    DatabaseSettings,
    ServiceSettings,
    Settings,
    WebSettings,
)
from beredskab.web.server import WebServer
from tests.postgres import free_port

HOST = "127.0.0.1"
READY_SECONDS = 40.0
"""Within the tests' 60 s timeout: a loaded machine can keep the first health probe past its
2 s for a while, and the page tests need the service healthy."""


@dataclass
class LiveService:
    """A running web app: its base URL, and the App behind it for setting up state."""

    app: App
    base_url: str

    def url(self, path: str = "/") -> str:
        """The absolute URL of a path on this service."""
        return self.base_url + "/" + path.lstrip("/")

    async def deliver(self) -> int:
        """Deliver every due message now (to the console channel's file)."""
        return await self.app.outbox.drain()

    def messages(self) -> list[dict[str, Any]]:
        """Every message the console channel delivered so far, oldest first."""
        path = self.app.settings.outbox_file
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


def settings_for(data_dir: Path, port: int) -> Settings:
    """Test settings: SQLite in ``data_dir``, console channel, links under this server."""
    base = f"http://{HOST}:{port}"
    return Settings(
        service=ServiceSettings(data_dir=data_dir, public_base_url=base),
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{data_dir / 'beredskab.sqlite3'}"),
        console=ConsoleSettings(echo=False),
        web=WebSettings(host=HOST, port=port),
    )


async def _until_ready(server: WebServer, task: asyncio.Task[None], service: LiveService) -> None:
    """Wait until the socket listens and /healthz proves it is this app (same plan version)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_SECONDS
    while not server.started:
        if task.done():
            task.result()  # raises what stopped the server
            raise RuntimeError("the web server stopped before it was listening")
        if loop.time() > deadline:
            raise TimeoutError(f"the web server did not listen within {READY_SECONDS} s")
        await asyncio.sleep(0.01)
    async with httpx.AsyncClient(trust_env=False) as client:
        while True:  # a loaded machine can make the health probe time out once: wait it out
            response = await client.get(service.url("/healthz"), timeout=READY_SECONDS)
            report = response.json()
            if report.get("plan_version") != service.app.plan.version:
                raise RuntimeError(f"{service.base_url} is not this test's service: {report}")
            if response.status_code == 200:
                return
            if loop.time() > deadline:
                raise TimeoutError(f"not healthy within {READY_SECONDS} s: {report}")
            await asyncio.sleep(0.1)


@asynccontextmanager
async def serving(data_dir: Path) -> AsyncIterator[LiveService]:
    """Build the service, serve it until the block ends, then stop and close everything."""
    port = free_port()
    app = App.build(settings_for(data_dir, port))
    try:
        await app.start()
        server = WebServer(app)
        task = asyncio.create_task(server.serve(), name="browser-test-web")
        service = LiveService(app=app, base_url=f"http://{HOST}:{port}")
        try:
            await _until_ready(server, task, service)
            yield service
        finally:
            server.stop()
            await task
    finally:
        await app.aclose()
