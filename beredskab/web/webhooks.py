"""Provider webhooks: Twilio (SMS, delivery status, voice keypress) and Telegram.

Every request is authenticated before anything is stored: Twilio signatures are checked
against the URL rebuilt from the configured public base URL (fail closed when no auth token
is configured; an optional second token allows rotation), Telegram's secret header is
compared in constant time. Accepted events go to the inbox and the answer is immediate.
"""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Request, Response

from beredskab import audit
from notifier.channels.sms import valid_signature

if TYPE_CHECKING:
    from beredskab.app import App

router = APIRouter()
log = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def _app(request: Request) -> App:
    app: App = request.app.state.beredskab
    return app


def public_url(app: App, request: Request) -> str:
    """The URL Twilio was told to call: public base URL + path + query, as sent."""
    base = app.settings.service.public_base_url.rstrip("/")
    query = request.url.query
    return f"{base}{request.url.path}" + (f"?{query}" if query else "")


async def _twilio_params(request: Request) -> dict[str, str]:
    """Check the Twilio signature of a form POST; 403 (and an audit row) if it is not valid."""
    app = _app(request)
    form = await request.form()
    params = {key: str(value) for key, value in form.multi_items()}
    signature = request.headers.get("X-Twilio-Signature", "")
    configured = [app.settings.twilio.auth_token, app.settings.twilio.secondary_auth_token]
    tokens = [token.get_secret_value() for token in configured if token is not None]
    valid = valid_signature(tokens, public_url(app, request), params, signature)
    if not valid:
        await audit.stranger(
            app.db,
            source=request.client.host if request.client else "unknown",
            action="webhook.twilio",
            channel="twilio",
            detail=f"bad or missing signature for {request.url.path} (From {params.get('From')!r})",
        )
        raise HTTPException(status_code=403, detail="invalid Twilio signature")
    return params


def _twiml(body: str = EMPTY_TWIML) -> Response:
    return Response(content=body, media_type="text/xml")


def _require(params: dict[str, str], key: str) -> str:
    value = params.get(key, "")
    if not value:
        raise HTTPException(status_code=400, detail=f"missing {key}")
    return value


@router.post("/webhooks/twilio/sms")
async def twilio_sms(request: Request) -> Response:
    """An SMS to the service number: stored, answered with empty TwiML, processed after."""
    params = await _twilio_params(request)
    await _app(request).inbox.receive(
        source="twilio-sms", provider_id=_require(params, "MessageSid"), payload=params
    )
    return _twiml()


@router.post("/webhooks/twilio/status")
async def twilio_status(request: Request) -> Response:
    """A delivery receipt for one of our messages (``?delivery=<key>``)."""
    params = await _twilio_params(request)
    sid = params.get("MessageSid") or _require(params, "CallSid")
    status = params.get("MessageStatus") or _require(params, "CallStatus")
    payload: dict[str, Any] = {**params, "delivery": request.query_params.get("delivery", "")}
    await _app(request).inbox.receive(
        source="twilio-status", provider_id=f"{sid}:{status}", payload=payload
    )
    return _twiml()


@router.post("/webhooks/twilio/voice/gather")
async def twilio_voice_gather(request: Request) -> Response:
    """The keypress after a voice alert: 1 confirms."""
    params = await _twilio_params(request)
    call = _require(params, "CallSid")
    payload: dict[str, Any] = {**params, "delivery": request.query_params.get("delivery", "")}
    await _app(request).inbox.receive(
        source="twilio-voice", provider_id=f"{call}:gather", payload=payload
    )
    confirmed = params.get("Digits") == "1"
    text = "Tak. Din bekræftelse er modtaget." if confirmed else "Der blev ikke trykket 1. Farvel."
    return _twiml(
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f'<Say language="da-DK">{text}</Say></Response>'
    )


@router.post("/webhooks/telegram")
async def telegram(request: Request) -> Response:
    """Telegram updates in webhook mode; the secret header is required."""
    app = _app(request)
    secret = app.settings.telegram.webhook_secret
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if secret is None or not hmac.compare_digest(
        given.encode(), secret.get_secret_value().encode()
    ):
        await audit.stranger(
            app.db,
            source=request.client.host if request.client else "unknown",
            action="webhook.telegram",
            channel="telegram",
            detail="bad or missing secret token" if secret else "no webhook secret configured",
        )
        raise HTTPException(status_code=403, detail="invalid secret token")
    try:
        update = await request.json()
        update_id = int(update["update_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise HTTPException(status_code=400, detail="not a Telegram update") from exc
    await app.inbox.receive(source="telegram", provider_id=str(update_id), payload=update)
    return Response(status_code=200)
