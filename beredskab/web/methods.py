"""405 Method Not Allowed with an ``Allow`` header that lists every method of the path.

Starlette answers 405 from the first route whose path matches, so a path served by two routes
(``GET`` and ``POST /api/v1/incidents/{id}/log``) advertised only one of them. This handler
collects the methods of every route that matches the path (``OPTIONS`` included: it is not
served, so it is a 405 like any other unserved method).
"""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException
from starlette.routing import Route


async def method_not_allowed(request: Request, exc: Exception) -> Response:
    """FastAPI's HTTP error answer; for a 405, with the path's complete ``Allow``."""
    assert isinstance(exc, HTTPException)
    if exc.status_code != 405:
        return await http_exception_handler(request, exc)
    path = request.scope["path"]
    allowed: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.methods and route.path_regex.fullmatch(path):
            allowed |= route.methods
    response = await http_exception_handler(request, exc)
    if allowed:
        response.headers["Allow"] = ", ".join(sorted(allowed))
    return response
