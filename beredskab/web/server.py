"""uvicorn inside the service's own event loop (the service owns the signals)."""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from typing import TYPE_CHECKING

import uvicorn

from beredskab.web import create_app

if TYPE_CHECKING:
    from beredskab.app import App


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # SIGINT/SIGTERM are handled by App.serve, which then stops us


class WebServer:
    """Serves the web app until ``stop`` is called; in-flight requests finish."""

    def __init__(self, app: App) -> None:
        settings = app.settings.web
        self._web = create_app(app)
        config = uvicorn.Config(
            self._web,
            host=settings.host,
            port=settings.port,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
        self._server = _Server(config)

    async def serve(self) -> None:
        """Run until stopped."""
        await self._server.serve()

    def stop(self) -> None:
        """Ask the server to finish in-flight requests and exit; open live streams end now."""
        self._web.state.stopping.set()
        self._server.should_exit = True

    @property
    def started(self) -> bool:
        """True once the socket is listening."""
        return bool(self._server.started)
