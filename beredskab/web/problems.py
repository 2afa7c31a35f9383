"""Error answers the framework gives: 405 with a complete ``Allow``, and 422 that always
renders.

405 Method Not Allowed comes with an ``Allow`` header that lists every method of the path.

Starlette answers 405 from the first route whose path matches, so a path served by two routes
(``GET`` and ``POST /api/v1/incidents/{id}/log``) advertised only one of them. This handler
collects the methods of every route that matches the path (``OPTIONS`` included: it is not
served, so it is a 405 like any other unserved method).

422 echoes the offending input, which may hold a lone surrogate (``"\\ud800"`` in JSON) that
cannot be encoded as UTF-8: it is replaced, so the answer is a 422 and not a 500.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _served(request: Request, method: str) -> bool:
    """Whether some route serves ``method`` on the request's path."""
    probe = {
        "type": "http",
        "method": method,
        "path": request.scope["path"],
        "root_path": request.scope.get("root_path", ""),
        "headers": [],
        "query_string": b"",
    }
    return any(route.matches(probe)[0] is Match.FULL for route in request.app.router.routes)


async def method_not_allowed(request: Request, exc: Exception) -> Response:
    """FastAPI's HTTP error answer; for a 405, with the path's complete ``Allow``."""
    assert isinstance(exc, HTTPException)
    if exc.status_code != 405:
        return await http_exception_handler(request, exc)
    allowed = {method for method in _METHODS if _served(request, method)}
    response = await http_exception_handler(request, exc)
    if allowed:
        response.headers["Allow"] = ", ".join(sorted(allowed))
    return response


async def invalid_request(request: Request, exc: Exception) -> Response:
    """FastAPI's 422 (``{"detail": [problems]}``), with unencodable text replaced."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": _encodable(jsonable_encoder(exc.errors()))}, status_code=422)


def _encodable(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list):
        return [_encodable(item) for item in value]
    if isinstance(value, dict):
        return {_encodable(key): _encodable(item) for key, item in value.items()}
    return value
