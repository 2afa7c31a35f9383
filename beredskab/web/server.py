"""uvicorn inside the service's own event loop (the service owns the signals).

The HTTP parser is httptools (C): over the inbound load (G5) h11's request parsing was the
web server's own largest cost per request. The event loop stays asyncio's: uvloop refuses
the unix-socket datagram endpoint of the cross-process commit signals
(``storage.signals``: "local_addr must be a tuple") and saved nothing measurable besides.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Generator
from typing import TYPE_CHECKING

import uvicorn

from beredskab.web import create_app

if TYPE_CHECKING:
    from beredskab.services import Services


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # SIGINT/SIGTERM are handled by App.serve, which then stops us


class WebServer:
    """Serves the web app until ``stop`` is called; in-flight requests finish (within
    ``grace`` seconds when given, then they are cancelled)."""

    def __init__(self, app: Services, *, grace: float | None = None) -> None:
        settings = app.settings.web
        self._web = create_app(app)
        self._config = uvicorn.Config(
            self._web,
            host=settings.host,
            port=settings.port,
            log_level="warning",
            log_config=None,  # its lines go through the service's handler (text or JSON)
            lifespan="off",
            access_log=False,
            http="httptools",
            timeout_graceful_shutdown=None if grace is None else max(1, round(grace)),
        )
        self._server = _Server(self._config)
        self._socket: socket.socket | None = None
        self.address: tuple[str, int] | None = None
        """The bound ``(host, port)`` once ``listen`` ran (with port 0: the real port)."""

    def listen(self) -> None:
        """Bind the listening socket now; raises ``OSError`` when the address is taken."""
        if self._socket is None:
            self._socket = _bind(self._config.host, self._config.port)
            host, port = self._socket.getsockname()[:2]
            self.address = (str(host), int(port))

    async def serve(self, stop: asyncio.Event | None = None) -> None:
        """Run until ``stop`` is set (or ``stop()`` is called); each call is a fresh server,
        so the supervisor can start it again after a failure."""
        self.listen()
        sock, self._socket = self._socket, None
        assert sock is not None
        if self._server.should_exit or self._server.started:
            self._server = _Server(self._config)
        server = self._server
        self._web.state.stopping.clear()
        watcher = asyncio.ensure_future(stop.wait()) if stop is not None else None
        if watcher is not None:
            watcher.add_done_callback(lambda _: self.stop() if not watcher.cancelled() else None)
        try:
            await server.serve(sockets=[sock])
        finally:
            if watcher is not None:
                watcher.cancel()
            sock.close()

    def stop(self) -> None:
        """Ask the server to finish in-flight requests and exit; open live streams end now."""
        self._web.state.stopping.set()
        self._server.should_exit = True

    @property
    def started(self) -> bool:
        """True once the socket is listening."""
        return bool(self._server.started)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.create_server((host, port), family=family, backlog=2048)
    sock.set_inheritable(True)
    return sock
