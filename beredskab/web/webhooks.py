"""Provider webhooks: Twilio (SMS, delivery status, voice keypress) and Telegram.

Every request is authenticated before anything is stored: Twilio signatures are checked
against the URL rebuilt from the configured public base URL (fail closed when no auth token
is configured; an optional second token allows rotation), Telegram's secret header is
compared in constant time. Accepted events go to the inbox and the answer is immediate.

Every field is bounded (``beredskab.boundary.bounds``) before anything reaches the database,
the same on SQLite and PostgreSQL. An authentic request with a value out of bounds (a NUL, a
200-character ``From``, a 500-character ``MessageSid``: nothing Twilio sends) is answered
400 with the reason, so it shows in Twilio's debugger as a failed webhook instead of
vanishing behind a 200; it is neither stored nor processed.
"""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Request, Response

from beredskab.boundary import bounds
from beredskab.security import audit
from beredskab.web.texts import text
from notifier.channels.sms import valid_signature

if TYPE_CHECKING:
    from beredskab.services import Services

router = APIRouter()
log = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
MAX_FIELDS = 100
"""Twilio sends about 20 fields with an SMS; more is not Twilio."""
SID_CHARS = 64
"""Twilio SIDs are 34 characters; with ``:status`` the inbox key stays within its column."""
STATUS_CHARS = 32
_FIELD_LIMITS = {
    "MessageSid": SID_CHARS,
    "CallSid": SID_CHARS,
    "SmsSid": SID_CHARS,
    "AccountSid": SID_CHARS,
    "MessageStatus": STATUS_CHARS,
    "CallStatus": STATUS_CHARS,
    "From": bounds.PHONE_CHARS,
    "To": bounds.PHONE_CHARS,
    "Digits": STATUS_CHARS,
}
MAX_UPDATE_ID = 2**63 - 1
"""Telegram update ids are 64-bit signed at most."""
"""Telegram's longest text is 4,096 characters (a caption 1,024)."""


def _app(request: Request) -> Services:
    app: Services = request.app.state.beredskab
    return app


def public_url(app: Services, request: Request) -> str:
    """The URL Twilio was told to call: public base URL + path + query, as sent."""
    base = app.settings.service.public_base_url.rstrip("/")
    query = request.url.query
    return f"{base}{request.url.path}" + (f"?{query}" if query else "")


async def _twilio_params(request: Request) -> dict[str, str]:
    """Check the Twilio signature of a form POST; 403 (and an audit row) if it is not valid."""
    app = _app(request)
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    raw = {key: str(value) for key, value in form.multi_items()}
    signature = request.headers.get("X-Twilio-Signature", "")
    configured = [app.settings.twilio.auth_token, app.settings.twilio.secondary_auth_token]
    tokens = [token.get_secret_value() for token in configured if token is not None]
    if not valid_signature(tokens, public_url(app, request), raw, signature):
        await audit.stranger(
            app.db,
            source=request.client.host if request.client else "unknown",
            action="webhook.twilio",
            channel="twilio",
            detail=f"bad or missing signature for {request.url.path} (From {raw.get('From')!r})",
        )
        raise HTTPException(status_code=403, detail="invalid Twilio signature")
    _check_bounds(request, raw)
    return raw


def _check_bounds(request: Request, params: dict[str, str]) -> None:
    """400 for an authentic request with a field Twilio would never send."""
    fields = [*params.items(), ("delivery", request.query_params.get("delivery", ""))]
    for key, value in fields:
        if bounds.refusal(key, max_chars=SID_CHARS) is not None:
            raise HTTPException(status_code=400, detail="a field name is out of bounds")
        problem = bounds.refusal(value, max_chars=_FIELD_LIMITS.get(key, bounds.FIELD_CHARS))
        if problem is not None:
            raise HTTPException(status_code=400, detail=f"{key} is {problem}")


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
    said = text("voice_confirmed" if confirmed else "voice_not_confirmed", "da")
    return _twiml(
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f'<Say language="da-DK">{said}</Say></Response>'
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
    except (ValueError, RecursionError) as exc:
        raise HTTPException(status_code=400, detail="not a Telegram update") from exc
    update_id = update.get("update_id") if isinstance(update, dict) else None
    if type(update_id) is not int or not 0 <= update_id <= MAX_UPDATE_ID:
        raise HTTPException(status_code=400, detail="not a Telegram update")
    problem = bounds.json_refusal(update, max_chars=bounds.TELEGRAM_STRING_CHARS)
    if problem is not None:
        raise HTTPException(status_code=400, detail=f"a field is {problem}")
    await app.inbox.receive(source="telegram", provider_id=str(update_id), payload=update)
    return Response(status_code=200)
