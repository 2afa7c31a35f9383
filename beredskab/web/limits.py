"""The request body limit: a body is never read past ``[web] max_body_bytes``.

A declared ``Content-Length`` above the limit is refused at once; a chunked body (no length)
is read chunk by chunk and refused with 413 as soon as it passes the limit, without reading
the rest. What the app sees is the buffered body (at most the limit), so memory per request
stays bounded however much a client sends.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_TOO_LARGE = json.dumps({"detail": "request body too large"}).encode()


class BodyLimit:
    """ASGI middleware: 413 for request bodies above ``max_bytes``."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, uploads: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.uploads = uploads or {}
        """Paths that take a file upload, with their own (larger) limit."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the body up to the limit, then hand it to the app (or answer 413)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.uploads.get(scope.get("path", ""), self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (
            not declared.isdigit() or len(declared) > 18 or int(declared) > limit
        ):
            await _refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([], message, receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(chunks, None, receive), send)


def _replay(chunks: list[bytes], last: Message | None, receive: Receive) -> Receive:
    """A ``receive`` that gives the buffered body first (or ``last``), then the real one."""
    pending: list[Message] = (
        [last] if last is not None else [{"type": "http.request", "body": b"".join(chunks)}]
    )

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


async def _refuse(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(_TOO_LARGE)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _TOO_LARGE})
