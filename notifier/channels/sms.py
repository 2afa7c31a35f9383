"""SMS and voice calls through Twilio, with the twilio library's async HTTP client.

Tests point the library at a local mock by passing an ``http_client`` (a subclass of
``AsyncTwilioHttpClient`` that rewrites the API host); nothing is monkeypatched.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from urllib.parse import quote

import aiohttp
from twilio.base import values
from twilio.base.exceptions import (
    TwilioException,
    TwilioRestException,
    TwilioServiceException,
)
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from notifier.channels.twilio_http import TwilioHttpClient
from notifier.errors import (
    ChannelConfigError,
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnknownOutcomeError,
    stray_cancellation,
)
from notifier.types import ChannelKind, DeliveryStatus, Message, Receipt, Recipient

# Twilio error codes that never succeed on retry: invalid 'To', unsubscribed recipient
# (STOP), not a mobile number, no permission for the region, unreachable 'To'.
PERMANENT_CODES: frozenset[int] = frozenset({21211, 21610, 21614, 21408, 21612})
TOO_MANY_REQUESTS = 20429
DEFAULT_RETRY_AFTER = 1.0

_ACCOUNT_SID = re.compile(r"^AC[0-9a-f]{32}$")
_SERVICE_SID = re.compile(r"^MG[0-9a-f]{32}$")

# GSM 03.38 default alphabet (one septet each) and its extension table (two septets each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


def is_gsm7(text: str) -> bool:
    """True when the text fits the GSM-7 alphabet (incl. æøåÆØÅ and the extension table)."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def sms_segments(text: str) -> int:
    """How many SMS segments the text needs (GSM-7: 160/153 septets, UCS-2: 70/67 units).

    Escaped GSM-7 characters and UTF-16 surrogate pairs are never split across segments.
    """
    if not text:
        return 1
    if is_gsm7(text):
        sizes = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        single, multi = 160, 153
    else:
        sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
        single, multi = 70, 67
    if sum(sizes) <= single:
        return 1
    segments, used = 1, 0
    for size in sizes:
        if used + size > multi:
            segments, used = segments + 1, 0
        used += size
    return segments


def voice_twiml(
    text: str, action_url: str, *, voice: str = "Polly.Naja", language: str = "da-DK"
) -> str:
    """TwiML that reads ``text`` in Danish and gathers one keypress (1 = confirm)."""
    response = VoiceResponse()
    gather = response.gather(num_digits=1, action=action_url, method="POST", timeout=10)
    gather.say(text, voice=voice, language=language)
    gather.say(
        "Tryk 1 for at bekræfte, at du har modtaget beskeden.", voice=voice, language=language
    )
    response.say("Vi modtog ikke noget tastetryk. Farvel.", voice=voice, language=language)
    return str(response)


@dataclass(frozen=True, slots=True)
class TwilioConfig:
    """Twilio account and sending options.

    ``status_callback_base`` is the service's public base URL; the status callback is
    ``{base}/webhooks/twilio/status?delivery={key}`` and, for calls, the keypress goes to
    ``{base}/webhooks/twilio/voice/gather?delivery={key}``.
    """

    account_sid: str
    auth_token: str
    from_number: str | None = None
    messaging_service_sid: str | None = None
    validity_period: int = 900
    status_callback_base: str | None = None
    timeout: float = 15.0
    voice: str = "Polly.Naja"
    voice_language: str = "da-DK"
    ring_timeout: int = 30

    def __post_init__(self) -> None:
        if not _ACCOUNT_SID.match(self.account_sid):
            raise ChannelConfigError("twilio account_sid must be 'AC' followed by 32 hex digits")
        if not self.auth_token:
            raise ChannelConfigError("twilio auth_token is empty")
        if not (self.from_number or self.messaging_service_sid):
            raise ChannelConfigError("set twilio from_number or messaging_service_sid")
        if self.messaging_service_sid and not _SERVICE_SID.match(self.messaging_service_sid):
            raise ChannelConfigError("twilio messaging_service_sid must be 'MG' + 32 hex digits")
        if not 1 <= self.validity_period <= 36000:
            raise ChannelConfigError("twilio validity_period must be 1-36000 seconds")
        if self.status_callback_base and not self.status_callback_base.startswith(
            ("https://", "http://")
        ):
            raise ChannelConfigError("twilio status_callback_base must be an http(s) URL")
        if self.timeout <= 0:
            raise ChannelConfigError("twilio timeout must be positive")

    def url(self, path: str, key: str) -> str | None:
        """``{base}{path}?delivery={key}``, or None without a base URL."""
        if not self.status_callback_base:
            return None
        return f"{self.status_callback_base.rstrip('/')}{path}?delivery={quote(key, safe='')}"


def map_twilio_error(error: TwilioRestException | TwilioServiceException) -> DeliveryError:
    """Translate a Twilio API error response into a typed delivery error."""
    status, code = int(error.status), error.code
    text = f"Twilio {status} (code {code}): {getattr(error, 'msg', '') or error}"
    if code == TOO_MANY_REQUESTS or status == 429:
        return TransientDeliveryError(text, retry_after=DEFAULT_RETRY_AFTER)
    if status >= 500:
        return TransientDeliveryError(text)
    if code in PERMANENT_CODES or 400 <= status < 500:
        return PermanentDeliveryError(text)
    return TransientDeliveryError(text)


def map_transport_error(error: Exception) -> DeliveryError:
    """Errors below HTTP: before connecting is transient; after, the outcome is unknown
    (a reset — ``ServerDisconnectedError``, ``ClientOSError``, a bare ``OSError`` — or an
    answer that is not Twilio's JSON, ``ValueError``)."""
    if isinstance(error, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return PermanentDeliveryError(f"Twilio TLS failed: {error}")
    if isinstance(error, aiohttp.ClientConnectorError):
        return TransientDeliveryError(f"Twilio unreachable: {error}")
    return UnknownOutcomeError(f"Twilio request may have been received: {error!r}")


def _check_number(recipient: Recipient) -> None:
    if not recipient.address.strip():
        raise PermanentDeliveryError(f"no phone number for {recipient.person_id}")


class _TwilioChannel:
    """Shared client handling for the SMS and voice channels."""

    name: ClassVar[str]
    kinds: ClassVar[frozenset[ChannelKind]]
    max_rate_per_second: ClassVar[float] = 1.0

    def __init__(self, config: TwilioConfig, *, http_client: AsyncTwilioHttpClient | None = None):
        self.config = config
        self._http_client = http_client
        self._client: Client | None = None
        self._closed = False
        # The SDK imports its REST API (30-160 ms) at the first ``client.messages``: do it
        # now, at start, so that the night's first SMS does not wait for it.
        import twilio.rest.api.v2010.account  # noqa: F401

    def _twilio(self) -> Client:
        if self._client is None:
            if self._http_client is None:
                self._http_client = TwilioHttpClient()
            self._client = Client(
                self.config.account_sid,
                self.config.auth_token,
                http_client=self._http_client,
            )
        return self._client

    def warm(self) -> None:
        """Open a connection to Twilio ahead of a burst (``notifier.warm``); a client given
        by the caller that is not a ``TwilioHttpClient`` is left as it is."""
        self._twilio()
        if isinstance(self._http_client, TwilioHttpClient):
            self._http_client.warm()

    async def aclose(self) -> None:
        """Close the HTTP client (the channel owns the one it was given); idempotent."""
        if self._http_client is not None and not self._closed:
            self._closed = True
            await self._http_client.close()


class TwilioSmsChannel(_TwilioChannel):
    """Sends ``message.short_text`` as an SMS with a validity period and a status callback.

    ``max_rate_per_second`` is the per-sender pace (1/s for a long code; raise it for a
    messaging service or short code). The receipt's provider id is the Message SID.
    """

    name: ClassVar[str] = "twilio-sms"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset({ChannelKind.SMS})
    max_rate_per_second: ClassVar[float] = 1.0
    max_body_length: ClassVar[int] = 1600
    lookup_limit: ClassVar[int] = 50

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        """Create the message at Twilio; raise a typed delivery error on failure."""
        config = self.config
        _check_number(recipient)
        body = message.short_text or message.text
        if len(body) > self.max_body_length:
            raise PermanentDeliveryError(f"SMS body is {len(body)} characters, Twilio takes 1600")
        client = self._twilio()
        try:
            async with asyncio.timeout(config.timeout):
                created = await client.messages.create_async(
                    to=recipient.address,
                    from_=config.from_number or None,
                    messaging_service_sid=config.messaging_service_sid or None,
                    body=body,
                    validity_period=config.validity_period,
                    status_callback=config.url("/webhooks/twilio/status", message.key),
                )
        except (TwilioRestException, TwilioServiceException) as error:
            raise map_twilio_error(error) from error
        except TimeoutError as error:
            raise UnknownOutcomeError(f"Twilio did not answer within {config.timeout}s") from error
        except (aiohttp.ClientError, OSError, ValueError, TwilioException) as error:
            raise map_transport_error(error) from error
        except asyncio.CancelledError as error:
            if not stray_cancellation():
                raise
            raise UnknownOutcomeError("Twilio request cancelled by the HTTP client") from error
        return Receipt(provider_id=str(created.sid), status=DeliveryStatus.SENT)

    async def find_recent(self, to: str, since: datetime, body: str | None = None) -> list[str]:
        """SIDs of messages sent to ``to`` (from our sender number, or through our messaging
        service) created at or after ``since``, only those with exactly ``body`` when given.

        Used to reconcile an unknown outcome before re-sending. ``since`` must be tz-aware.
        Without a sender number the ``From`` filter is left out (``None`` there is not a
        valid query value: the lookup raised ``TypeError`` for a messaging service, which
        killed the outbox worker and left rows ``sending``); the messaging service is then
        checked on each message instead.
        """
        if since.tzinfo is None:
            raise ValueError("since must be timezone-aware")
        client = self._twilio()
        try:
            async with asyncio.timeout(self.config.timeout):
                found = await client.messages.list_async(
                    to=to,
                    from_=self.config.from_number or values.unset,
                    date_sent_after=since,
                    limit=self.lookup_limit,
                    page_size=self.lookup_limit,
                )
        except (TwilioRestException, TwilioServiceException) as error:
            raise map_twilio_error(error) from error
        except TimeoutError as error:
            raise TransientDeliveryError("Twilio message lookup timed out") from error
        except (aiohttp.ClientError, OSError, ValueError, TwilioException) as error:
            raise TransientDeliveryError(f"Twilio message lookup failed: {error!r}") from error
        except asyncio.CancelledError as error:
            if not stray_cancellation():
                raise
            raise TransientDeliveryError("Twilio message lookup cancelled by the client") from error
        # Twilio filters DateSent by day only; narrow to the window here. Queued messages
        # have no date_sent yet, so compare creation times.
        service = None if self.config.from_number else self.config.messaging_service_sid
        return [
            str(item.sid)
            for item in found
            if (item.date_created is None or item.date_created >= since)
            and (body is None or item.body == body)
            and (service is None or item.messaging_service_sid == service)
        ]


class TwilioVoiceChannel(_TwilioChannel):
    """Calls and reads ``message.short_text`` in Danish; pressing 1 confirms.

    Needs ``from_number`` (a voice-capable Twilio number) and ``status_callback_base`` (the
    keypress is posted there). The receipt's provider id is the Call SID.
    """

    name: ClassVar[str] = "twilio-voice"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset({ChannelKind.VOICE})
    max_rate_per_second: ClassVar[float] = 1.0

    def __init__(self, config: TwilioConfig, *, http_client: AsyncTwilioHttpClient | None = None):
        if not config.from_number:
            raise ChannelConfigError("twilio voice needs from_number (a voice-capable number)")
        if not config.status_callback_base:
            raise ChannelConfigError("twilio voice needs status_callback_base for the keypress")
        super().__init__(config, http_client=http_client)

    def twiml(self, message: Message) -> str:
        """The TwiML for this message's call."""
        action = self.config.url("/webhooks/twilio/voice/gather", message.key)
        assert action is not None  # checked in __init__
        return voice_twiml(
            message.short_text or message.text,
            action,
            voice=self.config.voice,
            language=self.config.voice_language,
        )

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        """Place the call; raise a typed delivery error on failure."""
        config = self.config
        _check_number(recipient)
        client = self._twilio()
        try:
            async with asyncio.timeout(config.timeout):
                call = await client.calls.create_async(
                    to=recipient.address,
                    from_=config.from_number,
                    twiml=self.twiml(message),
                    status_callback=config.url("/webhooks/twilio/status", message.key),
                    timeout=config.ring_timeout,
                )
        except (TwilioRestException, TwilioServiceException) as error:
            raise map_twilio_error(error) from error
        except TimeoutError as error:
            raise UnknownOutcomeError(f"Twilio did not answer within {config.timeout}s") from error
        except (aiohttp.ClientError, OSError, ValueError, TwilioException) as error:
            raise map_transport_error(error) from error
        except asyncio.CancelledError as error:
            if not stray_cancellation():
                raise
            raise UnknownOutcomeError("Twilio request cancelled by the HTTP client") from error
        return Receipt(provider_id=str(call.sid), status=DeliveryStatus.SENT)


def valid_signature(tokens: list[str], url: str, params: dict[str, str], signature: str) -> bool:
    """True if ``signature`` is Twilio's signature of this request under any of the tokens
    (more than one while an auth token is being rotated). No token, no valid signature."""
    return any(
        token and RequestValidator(token).validate(url, params, signature) for token in tokens
    )
