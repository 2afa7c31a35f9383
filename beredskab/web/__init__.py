"""The web app: webhooks, acknowledgement pages and /healthz (FastAPI, served by uvicorn)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from beredskab.web import ack, preparedness, webhooks

if TYPE_CHECKING:
    from beredskab.app import App


class BodyLimit(BaseHTTPMiddleware):
    """Refuse request bodies above the configured size (413) before anything reads them."""

    def __init__(self, app: object, *, max_bytes: int) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.max_bytes = max_bytes

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return JSONResponse({"detail": "request body too large"}, status_code=413)
        body = await request.body()
        if len(body) > self.max_bytes:
            return JSONResponse({"detail": "request body too large"}, status_code=413)
        return await call_next(request)


def create_app(app: App) -> FastAPI:
    """The FastAPI application for one running service."""
    web = FastAPI(title="beredskab", docs_url=None, redoc_url=None)
    web.state.beredskab = app
    web.add_middleware(BodyLimit, max_bytes=app.settings.web.max_body_bytes)
    web.include_router(webhooks.router)
    web.include_router(ack.router)
    web.include_router(preparedness.router)

    @web.get("/healthz")
    async def healthz() -> JSONResponse:
        """Each component's state; 503 when the database does not answer."""
        report = await app.health()
        status = 200 if report["database"] == "ok" else 503
        return JSONResponse(report, status_code=status)

    return web
