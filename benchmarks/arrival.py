"""When a request arrived, as a provider counts it: the kernel's receive time, not the moment
a busy handler got round to it.

The stand-ins share one process and one event loop (Twilio's proxy, the Bot API, SMTP with
TLS), on a machine whose two cores also run ``serve``, Prism and the database. A request's
handler can therefore run tens of milliseconds after the request arrived, and by different
amounts for different requests: 31 Telegram sends that arrived a full second apart were seen
by their handlers within 0.90 s and refused, although the service had paced them. A
provider stamps a request at its edge. So the stand-ins listen on sockets with
``SO_TIMESTAMPNS``: the kernel stamps each received segment (on loopback: the moment the
service wrote it), ``recv`` reads the stamp with the data, and ``arrived`` gives a request's
stamp on ``time.monotonic()``'s clock, the one every process of the machine shares.
"""

from __future__ import annotations

import socket
import struct
import time

from aiohttp import web

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
"""Linux's receive timestamps in nanoseconds (also the control message's type)."""
_ANCILLARY = socket.CMSG_SPACE(16)
_ARRIVED: dict[int, float] = {}
"""The latest kernel stamp per socket (file descriptor), on the monotonic clock."""


def _monotonic(realtime: float) -> float:
    """A ``CLOCK_REALTIME`` stamp (the kernel's) on ``time.monotonic()``'s clock."""
    return realtime - (time.time() - time.monotonic())


class StampingSocket(socket.socket):
    """A TCP socket whose ``recv`` keeps the kernel's receive stamp of what it read, and
    whose ``accept`` returns such sockets (they inherit ``SO_TIMESTAMPNS``)."""

    def accept(self) -> tuple[socket.socket, object]:
        fd, address = self._accept()  # type: ignore[attr-defined]
        accepted = StampingSocket(self.family, self.type, self.proto, fileno=fd)
        return accepted, address

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        data, ancillary, _flags, _address = self.recvmsg(bufsize, _ANCILLARY, flags)
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= 16:
                seconds, nanoseconds = struct.unpack_from("qq", payload)
                _ARRIVED[self.fileno()] = _monotonic(seconds + nanoseconds / 1e9)
        return data

    def close(self) -> None:
        _ARRIVED.pop(self.fileno(), None)
        super().close()


def listening(host: str = "127.0.0.1") -> StampingSocket:
    """A listening socket on a free port of ``host`` whose connections stamp arrivals."""
    sock = StampingSocket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    sock.bind((host, 0))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


async def serve(runner: web.AppRunner) -> str:
    """Serve ``runner`` on a stamping socket of 127.0.0.1; returns its base URL."""
    sock = listening()
    site = web.SockSite(runner, sock)
    await site.start()
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


def arrived(request: web.Request) -> float:
    """When ``request``'s last bytes reached this machine's network stack (monotonic clock);
    the handler's own time when the kernel gave no stamp (a socket that does not stamp)."""
    transport = request.transport
    sock = transport.get_extra_info("socket") if transport is not None else None
    stamp = _ARRIVED.get(sock.fileno()) if sock is not None else None
    return stamp if stamp is not None else time.monotonic()
