"""The directory editor's pages when the directory itself cannot be read.

The stored revision or the configured file can stop loading after the service started (a
file edited by hand, a stricter check after an upgrade); the running plan keeps the last
good directory. The editor's pages then answer 503 with every problem and the way out,
never a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from beredskab.errors import PlanInvalidError
from beredskab.web.session import language_of, page
from beredskab.web.texts import text


class UnreadableDirectory(APIRoute):
    """Renders a directory that does not load as a 503 page naming its problems."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, wrapped."""
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except PlanInvalidError as exc:
                problems = "; ".join(exc.problems)
                message = text("dir_unreadable", language_of(request), problems=problems)
                return page(
                    request,
                    "problem.html",
                    who=None,
                    status=503,
                    title_key="error_title",
                    text=message,
                )

        return handle
