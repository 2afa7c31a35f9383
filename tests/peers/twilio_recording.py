"""A stateful Twilio REST API for tests that must count what was sent (Prism is stateless).

A real aiohttp server on a free 127.0.0.1 port; the real ``twilio`` library talks to it
through ``[twilio] api_base_url``. It speaks the three calls the service makes:

- ``POST /2010-04-01/Accounts/{sid}/Messages.json`` creates a message (the fake "sends" it at
  once: it is listed as ``sent`` with ``date_sent`` = creation time);
- ``GET .../Messages.json`` lists messages, newest first, filtered by ``To``, ``From`` and
  ``DateSent>`` (by day, as Twilio does) — what ``TwilioSmsChannel.find_recent`` asks;
- ``POST .../Calls.json`` places a call.

Requests without the account's Basic credentials get Twilio's 401. ``hold(after=n)`` makes
every create beyond the first ``n`` be *recorded* and then left unanswered until
``release()``: the provider has the message, the caller never hears so — what a crash
mid-request looks like from Twilio's side. ``reset(n)`` makes the next ``n`` creates end with
the connection closed and no answer at all (the client sees ``ServerDisconnectedError``),
after recording the message (``recorded=True``: Twilio has it, the reply was lost) or
before (the request never arrived).
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from base64 import b64encode
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any

import aiohttp
import pytest_asyncio
from aiohttp import web

from tests.peers.twilio import ACCOUNT_SID, AUTH_TOKEN

IDENT = "beredskab-test-twilio"
API = "/2010-04-01/Accounts/{account}"


@dataclass
class SentSms:
    """One message created at the fake Twilio."""

    sid: str
    to: str
    from_: str
    body: str
    status_callback: str
    created_at: datetime
    answered: bool = False
    messaging_service_sid: str = ""


@dataclass
class PlacedCall:
    """One call placed at the fake Twilio."""

    sid: str
    to: str
    from_: str
    twiml: str
    created_at: datetime


def _rfc2822(at: datetime | None) -> str | None:
    return format_datetime(at) if at is not None else None


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status=status,
    )


def _day(value: str) -> date:
    """``DateSent>`` as sent by the library (ISO 8601 datetime) or by hand (a date)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).date()


class RecordingTwilio:
    """The fake Twilio API; ``base_url`` is set by ``start()``."""

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self._auth = "Basic " + b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.messages: list[SentSms] = []
        self.calls: list[PlacedCall] = []
        self.lookups: list[dict[str, str]] = []
        self.base_url = ""
        self._hold_after: int | None = None
        self._gate = asyncio.Event()
        self._held = 0
        self._resets_left = 0
        self._reset_recorded = True
        self._reset_every = 1
        self._reset_seen = 0
        self.resets = 0
        self._sids = itertools.count(1)
        self._runner: web.AppRunner | None = None

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free 127.0.0.1 port."""
        app = web.Application()
        base = API.format(account="{account}")
        app.router.add_get(base + ".json", self._account)
        app.router.add_post(base + "/Messages.json", self._create_message)
        app.router.add_get(base + "/Messages.json", self._list_messages)
        app.router.add_post(base + "/Calls.json", self._create_call)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def probe(self) -> None:
        """Readiness probe: the account fetch names this server, and needs the credentials."""
        url = f"{self.base_url}{API.format(account=self.account_sid)}.json"
        async with aiohttp.ClientSession() as session:
            async with session.get(url, headers={"Authorization": self._auth}) as response:
                body = await response.json()
            async with session.get(url) as anonymous:
                refused = anonymous.status
        if body.get("friendly_name") != IDENT or refused != 401:
            raise RuntimeError(f"not our fake Twilio at {self.base_url}: {body!r}")

    async def stop(self) -> None:
        """Answer held requests and stop listening."""
        self.release()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- holding ------------------------------------------------------------------------------

    def hold(self, *, after: int) -> None:
        """Record, but do not answer, every message beyond the first ``after`` ever created."""
        self._hold_after = after
        self._gate.clear()

    def release(self) -> None:
        """Answer held requests (to whoever is still listening) and hold no more."""
        self._hold_after = None
        self._gate.set()

    def reset(self, n: int, *, recorded: bool = True, every: int = 1) -> None:
        """Close the connection without an answer on ``n`` of the next creates (messages and
        calls; one in ``every``), after recording them (``recorded``) or before."""
        self._resets_left, self._reset_recorded = n, recorded
        self._reset_every, self._reset_seen = every, 0

    def _resetting(self, request: web.Request) -> bool:
        """Take one reset if one is due; the caller records (or not) and then ``_hang_up``."""
        if self._resets_left <= 0:
            return False
        self._reset_seen += 1
        if self._reset_seen % self._reset_every:
            return False
        self._resets_left -= 1
        self.resets += 1
        return True

    @staticmethod
    def _hang_up(request: web.Request) -> web.Response:
        """Close the socket with no answer; the returned response is never written."""
        assert request.transport is not None
        request.transport.abort()
        return web.Response(status=204)

    @property
    def held(self) -> int:
        """Creates recorded but not answered yet."""
        return self._held

    def to(self, number: str) -> list[SentSms]:
        """Messages created for one number, oldest first."""
        return [m for m in self.messages if m.to == number]

    # -- the API ------------------------------------------------------------------------------

    def _refused(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != self._auth:
            return _error(401, 20003, "Authenticate")
        if request.match_info["account"] != self.account_sid:
            return _error(404, 20404, "The requested resource was not found")
        return None

    def _sid(self, prefix: str) -> str:
        return f"{prefix}{next(self._sids):08x}{secrets.token_hex(12)}"

    def _message_json(self, sms: SentSms, *, listed: bool) -> dict[str, Any]:
        path = f"{API.format(account=self.account_sid)}/Messages/{sms.sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": sms.body,
            "date_created": _rfc2822(sms.created_at),
            "date_sent": _rfc2822(sms.created_at) if listed else None,
            "date_updated": _rfc2822(sms.created_at),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sms.from_,
            "messaging_service_sid": sms.messaging_service_sid or None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "DKK",
            "sid": sms.sid,
            "status": "sent" if listed else "queued",
            "subresource_uris": {"media": path.replace(".json", "/Media.json")},
            "to": sms.to,
            "uri": path,
        }

    async def _account(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        return web.json_response(
            {"sid": self.account_sid, "friendly_name": IDENT, "status": "active", "type": "Full"}
        )

    async def _create_message(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        form = await request.post()
        to, sender, body = (str(form.get(k, "")) for k in ("To", "From", "Body"))
        service = str(form.get("MessagingServiceSid", ""))
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not body:
            return _error(400, 21602, "Message body is required.")
        sms = SentSms(
            sid=self._sid("SM"),
            to=to,
            from_=sender,
            body=body,
            status_callback=str(form.get("StatusCallback", "")),
            created_at=datetime.now(UTC).replace(microsecond=0),
            messaging_service_sid=service,
        )
        resetting = self._resetting(request)
        if resetting and not self._reset_recorded:
            return self._hang_up(request)
        self.messages.append(sms)
        if resetting:
            return self._hang_up(request)
        if self._hold_after is not None and len(self.messages) > self._hold_after:
            self._held += 1
            try:
                await self._gate.wait()
            finally:
                self._held -= 1
        sms.answered = True
        return web.json_response(self._message_json(sms, listed=False), status=201)

    async def _list_messages(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        query = dict(request.query)
        self.lookups.append(query)
        found = [
            m
            for m in reversed(self.messages)
            if m.to == query.get("To", m.to)
            and m.from_ == query.get("From", m.from_)
            and ("DateSent>" not in query or m.created_at.date() >= _day(query["DateSent>"]))
        ]
        size = int(query.get("PageSize", "50"))
        path = f"{API.format(account=self.account_sid)}/Messages.json"
        return web.json_response(
            {
                "messages": [self._message_json(m, listed=True) for m in found[:size]],
                "end": min(size, len(found)) - 1,
                "first_page_uri": f"{path}?PageSize={size}&Page=0",
                "next_page_uri": None,
                "page": 0,
                "page_size": size,
                "previous_page_uri": None,
                "start": 0,
                "uri": f"{path}?PageSize={size}&Page=0",
            }
        )

    async def _create_call(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        form = await request.post()
        call = PlacedCall(
            sid=self._sid("CA"),
            to=str(form.get("To", "")),
            from_=str(form.get("From", "")),
            twiml=str(form.get("Twiml", "")),
            created_at=datetime.now(UTC).replace(microsecond=0),
        )
        if not call.to or not call.from_:
            return _error(400, 21201, "No 'To' or 'From' number is specified")
        resetting = self._resetting(request)
        if resetting and not self._reset_recorded:
            return self._hang_up(request)
        self.calls.append(call)
        if resetting:
            return self._hang_up(request)
        return web.json_response(
            {
                "account_sid": self.account_sid,
                "date_created": _rfc2822(call.created_at),
                "direction": "outbound-api",
                "from": call.from_,
                "sid": call.sid,
                "status": "queued",
                "to": call.to,
                "uri": f"{API.format(account=self.account_sid)}/Calls/{call.sid}.json",
            },
            status=201,
        )


@pytest_asyncio.fixture
async def recording_twilio() -> AsyncIterator[RecordingTwilio]:
    """A started, probed ``RecordingTwilio``."""
    twilio = RecordingTwilio()
    await twilio.start()
    try:
        await twilio.probe()
        yield twilio
    finally:
        await twilio.stop()
