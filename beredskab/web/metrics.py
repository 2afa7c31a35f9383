"""``GET /metrics``: the Prometheus text format, for a scraper only (README: Metrics and logs).

Who may scrape:
- ``[metrics] token`` set: any client that sends ``Authorization: Bearer <token>``; nobody
  without it, loopback included.
- no token: only a direct request from this machine, i.e. from a loopback address and
  carrying no proxy's forwarding header (``X-Forwarded-For``, ``Forwarded``, ``X-Real-IP``).
  A reverse proxy on the same machine (Caddy in the production guide) connects from
  127.0.0.1 too, so a request it forwards from the internet is refused by its header.
- ``[metrics] enabled = false``: 404 for everyone.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from beredskab.web.scrape import exposition

if TYPE_CHECKING:
    from beredskab.services import Services

router = APIRouter()

FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")
NO_STORE = {"Cache-Control": "no-store"}
TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"
"""The classic text format, read by every Prometheus version (our names need no escaping)."""


def allowed(request: Request, token: str | None) -> tuple[int, str] | None:
    """None when the request may scrape, else the status and the reason to answer."""
    if token is not None:
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), token.encode()
        ):
            return None
        return 401, "metrics: send Authorization: Bearer <[metrics] token>\n"
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return 403, "metrics: forwarded by a proxy; set [metrics] token to scrape through it\n"
    if not _loopback(request.client.host if request.client else ""):
        return 403, "metrics: only from this machine; set [metrics] token to scrape from afar\n"
    return None


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Counters, histograms, health and database gauges, for an allowed scraper."""
    app: Services = request.app.state.beredskab
    settings = app.settings.metrics
    if not settings.enabled:
        return PlainTextResponse("Not Found\n", status_code=404, headers=NO_STORE)
    token = settings.token.get_secret_value() if settings.token is not None else None
    refused = allowed(request, token or None)
    if refused is not None:
        status, reason = refused
        headers = {**NO_STORE, "WWW-Authenticate": "Bearer"} if status == 401 else NO_STORE
        return PlainTextResponse(reason, status_code=status, headers=headers)
    body = await exposition(app)
    return Response(body, media_type=TEXT_FORMAT, headers=NO_STORE)
