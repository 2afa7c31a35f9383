"""The web app: webhooks, acknowledgement pages, the mobile pages, the JSON API and /healthz."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from beredskab.inbound.link_batch import LinkAnswers
from beredskab.web import (
    ack,
    api,
    api_comms,
    api_duties,
    api_facts,
    api_notices,
    api_picture,
    api_tasks,
    directory,
    export,
    incident,
    incident_actions,
    incident_comms,
    incident_duties,
    incident_lifecycle,
    incident_notices,
    incident_picture,
    metrics,
    pages,
    plan,
    preparedness,
    public_info,
    readiness,
    residents,
    signin,
    webhooks,
)
from beredskab.web.limits import BodyLimit
from beredskab.web.problems import invalid_request, method_not_allowed
from beredskab.web.session import SignInRequired, login_redirect

STATIC = Path(__file__).parent / "static"

if TYPE_CHECKING:
    from beredskab.services import Services


def create_app(app: Services) -> FastAPI:
    """The FastAPI application for one running service."""
    web = FastAPI(
        title="beredskab",
        summary="Crisis-response notification service: the JSON API for integrations.",
        version="1",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    web.state.beredskab = app
    web.state.stopping = asyncio.Event()  # set by WebServer.stop: live streams end at once
    web.state.link_answers = LinkAnswers(app.db)  # email-link POSTs, grouped (ack.submit)
    web.add_middleware(
        BodyLimit,
        max_bytes=app.settings.web.max_body_bytes,
        uploads={directory.UPLOAD_PATH: app.settings.web.max_upload_bytes},
    )
    web.add_exception_handler(HTTPException, method_not_allowed)
    web.add_exception_handler(RequestValidationError, invalid_request)
    web.include_router(webhooks.router, include_in_schema=False)
    web.include_router(ack.router, include_in_schema=False)
    web.include_router(preparedness.router, include_in_schema=False)
    web.include_router(signin.router, include_in_schema=False)
    web.include_router(residents.router, include_in_schema=False)
    web.include_router(pages.router, include_in_schema=False)
    web.include_router(incident.router, include_in_schema=False)
    web.include_router(incident_actions.router, include_in_schema=False)
    web.include_router(incident_lifecycle.router, include_in_schema=False)
    web.include_router(incident_comms.router, include_in_schema=False)
    web.include_router(incident_duties.router, include_in_schema=False)
    web.include_router(incident_picture.router, include_in_schema=False)
    web.include_router(incident_notices.router, include_in_schema=False)
    web.include_router(export.router, include_in_schema=False)
    web.include_router(readiness.router, include_in_schema=False)
    web.include_router(plan.router, include_in_schema=False)
    web.include_router(directory.router, include_in_schema=False)
    web.include_router(public_info.router, include_in_schema=False)
    web.include_router(metrics.router, include_in_schema=False)
    web.include_router(api.router)
    web.include_router(api_facts.router)
    web.include_router(api_tasks.router)
    web.include_router(api_duties.router)
    web.include_router(api_picture.router)
    web.include_router(api_notices.router)
    web.include_router(api_comms.router)
    web.mount("/static", StaticFiles(directory=STATIC), name="static")

    @web.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, exc: SignInRequired) -> Response:
        """Pages need a session: send the browser to sign in, then back."""
        return RedirectResponse(login_redirect(exc.target), status_code=303)

    @web.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        """Each component's state (ok, degraded, down) with reason and since when, and the
        database's; 503 while the database does not answer (the probe is bounded)."""
        report = await app.health()
        status = 503 if report["database"]["state"] == "down" else 200
        return JSONResponse(report, status_code=status, headers={"Cache-Control": "no-store"})

    return web
