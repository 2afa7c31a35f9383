"""Provider stand-ins that ENFORCE the providers' rates, in a process of their own.

- Twilio: a rate-limiting HTTP proxy in front of Prism (Twilio's OpenAPI description). Each
  ``POST …/Messages.json`` counts against its sender: the ``MessagingServiceSid`` (default
  100/s) or the ``From`` number (a long code, 1/s). Above the rate: 429 with Twilio's error
  20429 body (Twilio sends no Retry-After).
- Telegram: the fake Bot API of the tests (``tests/peers/telegram_api.py``) with 30
  ``sendMessage``/s overall and 1/s per chat; above either: 429 with ``retry_after``.
- SMTP: the aiosmtpd peer of the tests with a limit on concurrent connections (the one
  beyond it is greeted with ``421`` and closed) and optionally a rate of messages (``451``).

Each adds the provider latency to every send. A send counts against a limit when it
arrived, as a provider counts it: the kernel's receive stamp (``benchmarks.arrival``), not
when its handler ran in this busy process; each refusal is also counted as the stand-ins
counted before, at handler time, and the handlers' lag behind arrival is reported (both
only to show where a compression of sends came from). A control API (``/stats``, ``/reset``,
``/wait-first``, ``/links``) tells the harness when the first provider request of an
activation arrived (``time.monotonic()``, one clock for every process of the machine), how
many sends each accepted and refused, and the links in the emails received.

Run by the harness (``python -m benchmarks.standins '<json options>'``): prints one JSON line
with the addresses, serves until its standard input closes, then prints the final stats.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session

from benchmarks import arrival
from benchmarks.limits import KeyedWindows, SlidingWindow, retry_after_seconds
from benchmarks.procs import ROOT, Children, wait_until
from tests.peers import twilio as twilio_peer
from tests.peers.smtp import RecordingHandler, SmtpPeer
from tests.peers.telegram_api import ApiError, FakeBotApi
from tests.postgres import free_port

LINK = re.compile(r"https?://[^\s<>\"')]+")


@dataclass(frozen=True)
class Limits:
    """What the stand-ins enforce, and the latency they add."""

    latency: float = 0.1
    twilio_service_rate: float = 100.0
    twilio_number_rate: float = 1.0
    telegram_rate: float = 30.0
    telegram_chat_rate: float = 1.0
    smtp_connections: int = 10
    smtp_rate: float | None = None
    slack: float = 0.05


class Stamp:
    """When the first provider request since the last reset arrived: on any channel, and
    on each channel."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.channel = ""
        self.seen = asyncio.Event()
        self.firsts: dict[str, float] = {}
        self.seen_on: dict[str, asyncio.Event] = {}

    def reset(self) -> None:
        self.first, self.channel = None, ""
        self.seen = asyncio.Event()
        self.firsts = {}
        self.seen_on = {}

    def event(self, channel: str) -> asyncio.Event:
        """Set once the first request of ``channel`` since the last reset arrived."""
        return self.seen_on.setdefault(channel, asyncio.Event())

    def hit(self, channel: str, at: float | None = None) -> None:
        """A send arrived ``at`` (monotonic; now when not given)."""
        if channel in self.firsts:
            return
        self.firsts[channel] = time.monotonic() if at is None else at
        self.event(channel).set()
        if self.first is None:
            self.first, self.channel = self.firsts[channel], channel
            self.seen.set()


@dataclass
class Counts:
    """Accepted and refused sends per channel."""

    sms: int = 0
    sms_refused: int = 0
    email: int = 0
    email_refused_connections: int = 0
    email_refused_rate: int = 0
    telegram: int = 0
    telegram_refused: int = 0
    telegram_refused_chat: int = 0
    tightest_refused_span_s: float | None = None
    """Of the refused sends: the shortest time in which the limit's worth of sends (plus
    this one) arrived. Just under the window means jitter; far under means no pacing."""
    refused_at_handler: int = 0
    """Sends (SMS, Telegram) a limit would have refused had they been stamped when their
    handler ran, as the stand-ins counted before (not answered 429: diagnosis only)."""
    tightest_at_handler_s: float | None = None
    handler_lag_ms: list[float] = field(default_factory=list)
    """Per paced send: how long after its arrival its handler judged it."""

    def judged(self, arrived: float, shadow: list[SlidingWindow]) -> float:
        """A send that arrived at ``arrived`` is judged now: note the handler's lag and
        whether ``shadow`` (the limits, fed with handler times) would refuse it; returns
        the handler's time."""
        now = time.monotonic()
        self.handler_lag_ms.append((now - arrived) * 1000)
        spans = [window.span(now) for window in shadow if window.wait(now)]
        if spans:
            self.refused_at_handler += 1
            if self.tightest_at_handler_s is None or min(spans) < self.tightest_at_handler_s:
                self.tightest_at_handler_s = round(min(spans), 4)
        return now

    def lag_summary(self) -> dict[str, float | None]:
        """The handlers' lag behind arrival: p50, p99 and max in ms."""
        lags = sorted(self.handler_lag_ms)
        if not lags:
            return {"p50": None, "p99": None, "max": None}
        pick = lambda q: round(lags[min(len(lags) - 1, int(q * len(lags)))], 1)  # noqa: E731
        return {"p50": pick(0.5), "p99": pick(0.99), "max": round(lags[-1], 1)}

    def refused_span(self, span: float) -> None:
        if self.tightest_refused_span_s is None or span < self.tightest_refused_span_s:
            self.tightest_refused_span_s = round(span, 4)

    @property
    def refused(self) -> int:
        """Every 429 (and SMTP 421/451) the stand-ins answered."""
        return (
            self.sms_refused
            + self.email_refused_connections
            + self.email_refused_rate
            + self.telegram_refused
            + self.telegram_refused_chat
        )


class TwilioProxy:
    """Enforces the per-sender rate, adds latency, and forwards to Prism."""

    def __init__(self, prism_url: str, limits: Limits, stamp: Stamp, counts: Counts) -> None:
        self.prism_url = prism_url.rstrip("/")
        self.limits = limits
        self.stamp, self.counts = stamp, counts
        self.services = KeyedWindows(limits.twilio_service_rate, limits.slack)
        self.numbers = KeyedWindows(limits.twilio_number_rate, limits.slack)
        self.shadow = (
            KeyedWindows(limits.twilio_service_rate, limits.slack),
            KeyedWindows(limits.twilio_number_rate, limits.slack),
        )
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self.base_url = await arrival.serve(self._runner)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=256), auto_decompress=False
        )

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def _refusal(self, form: dict[str, str], now: float) -> web.Response | None:
        """429 when a send that arrived at ``now`` exceeds its sender's rate."""
        service = form.get("MessagingServiceSid", "")
        sender = service or form.get("From", "")
        windows, shadow = (
            (self.services, self.shadow[0]) if service else (self.numbers, self.shadow[1])
        )
        handled = self.counts.judged(now, [shadow.get(sender)])
        if not windows.admit(sender, now):
            shadow.get(sender).record(handled)
            return None
        self.counts.sms_refused += 1
        self.counts.refused_span(windows.get(sender).span(now))
        body = {
            "code": 20429,
            "message": "Too Many Requests",
            "more_info": "https://www.twilio.com/docs/errors/20429",
            "status": 429,
        }
        return web.json_response(body, status=429)

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        sending = request.method == "POST" and request.path.endswith("/Messages.json")
        if sending:
            arrived = arrival.arrived(request)
            self.stamp.hit("sms", arrived)
            form = {k: str(v) for k, v in (await request.post()).items()}
            refused = self._refusal(form, arrived)
            if refused is not None:
                return refused
            if self.limits.latency:
                await asyncio.sleep(self.limits.latency)
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("authorization", "content-type", "accept")
        }
        assert self._session is not None
        async with self._session.request(
            request.method, self.prism_url + request.path_qs, data=body, headers=headers
        ) as answer:
            payload = await answer.read()
            if sending and answer.status < 300:
                self.counts.sms += 1
            return web.Response(
                status=answer.status,
                body=payload,
                content_type=answer.content_type,
            )


class LimitedBotApi(FakeBotApi):
    """The tests' fake Bot API with Telegram's flood limits on ``sendMessage``."""

    def __init__(self, limits: Limits, stamp: Stamp, counts: Counts) -> None:
        super().__init__()
        self.latency = limits.latency
        self.stamp, self.counts = stamp, counts
        self.overall = SlidingWindow(limits.telegram_rate, limits.slack)
        self.chats = KeyedWindows(limits.telegram_chat_rate, limits.slack)
        self.shadow = (
            SlidingWindow(limits.telegram_rate, limits.slack),
            KeyedWindows(limits.telegram_chat_rate, limits.slack),
        )

    async def start(self) -> None:
        """Listen on a free 127.0.0.1 port that stamps arrivals (``benchmarks.arrival``)."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        self.base_url = await arrival.serve(self._runner)

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        if method != "sendmessage" or request.match_info["token"] != self.token:
            return await super()._dispatch(request)
        now = arrival.arrived(request)
        self.stamp.hit("telegram", now)
        params = await self._params(request)
        chat = self.chats.get(str(params.get("chat_id")))
        shadow_chat = self.shadow[1].get(str(params.get("chat_id")))
        handled = self.counts.judged(now, [self.shadow[0], shadow_chat])
        wait_chat, wait_all = chat.wait(now), self.overall.wait(now)
        if wait_chat or wait_all:
            if wait_chat:
                self.counts.telegram_refused_chat += 1
                self.counts.refused_span(chat.span(now))
            else:
                self.counts.telegram_refused += 1
                self.counts.refused_span(self.overall.span(now))
            error = ApiError.too_many_requests(retry_after_seconds(max(wait_chat, wait_all)))
            return web.json_response(error.body(), status=429)
        chat.record(now)
        self.overall.record(now)
        shadow_chat.record(handled)
        self.shadow[0].record(handled)
        response = await super()._dispatch(request)
        if response.status == 200:
            self.counts.telegram += 1
        return response


class _Refuse(asyncio.Protocol):
    """Greets with 421 and hangs up: the server has too many connections."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(b"421 4.7.0 Too many connections, try again later\r\n")
        transport.close()


class LinkHandler(RecordingHandler):
    """Records each email's recipients and links (not the whole message), enforces a rate."""

    def __init__(self, limits: Limits, stamp: Stamp, counts: Counts) -> None:
        super().__init__()
        self.latency = limits.latency
        self.stamp, self.counts = stamp, counts
        self.window = SlidingWindow(limits.smtp_rate, limits.slack) if limits.smtp_rate else None
        self.links: dict[str, list[str]] = {}

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        self.stamp.hit("email")
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        now = time.monotonic()
        if self.window is not None and self.window.admit(now):
            self.counts.email_refused_rate += 1
            self.counts.refused_span(self.window.span(now))
            return "451 4.7.1 Rate limit exceeded, try again later"
        return await super().handle_DATA(server, session, envelope)

    def _record(self, session: Session, envelope: Envelope) -> None:
        parsed = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        part = parsed.get_body(("plain", "html"))
        text = part.get_content() if part is not None else ""
        found = LINK.findall(str(text))
        for rcpt in envelope.rcpt_tos:
            self.links[rcpt.lower()] = found
        self.counts.email += 1


class LimitedSmtpPeer(SmtpPeer):
    """The tests' STARTTLS + AUTH SMTP peer, refusing connections beyond a limit."""

    def __init__(self, limits: Limits, stamp: Stamp, counts: Counts) -> None:
        super().__init__()
        self.links = LinkHandler(limits, stamp, counts)
        self.handler = self.links
        self.limit = limits.smtp_connections
        self.counts = counts
        self.open = 0
        self.peak_open = 0

    def _protocol(self) -> SMTP:
        if self.open >= self.limit:
            self.counts.email_refused_connections += 1
            return _Refuse()  # type: ignore[return-value]
        protocol = super()._protocol()
        self.open += 1
        self.peak_open = max(self.peak_open, self.open)
        lost = protocol.connection_lost

        def connection_lost(exc: Exception | None) -> None:
            self.open -= 1
            lost(exc)

        protocol.connection_lost = connection_lost  # type: ignore[method-assign,assignment]
        return protocol


class StandIns:
    """The three stand-ins plus the control API, in this process's event loop."""

    def __init__(self, prism_url: str, limits: Limits) -> None:
        self.limits = limits
        self.stamp = Stamp()
        self.counts = Counts()
        self.twilio = TwilioProxy(prism_url, limits, self.stamp, self.counts)
        self.telegram = LimitedBotApi(limits, self.stamp, self.counts)
        self.smtp = LimitedSmtpPeer(limits, self.stamp, self.counts)
        self.control_url = ""
        self._control: web.AppRunner | None = None

    async def start(self) -> dict[str, Any]:
        await self.twilio.start()
        await self.telegram.start()
        await self.smtp.start()
        await self.telegram.probe()
        await self.smtp.probe()
        app = web.Application()
        app.router.add_get("/stats", self._stats)
        app.router.add_post("/reset", self._reset)
        app.router.add_get("/wait-first", self._wait_first)
        app.router.add_get("/links", self._links)
        self._control = web.AppRunner(app, access_log=None)
        await self._control.setup()
        site = web.TCPSite(self._control, "127.0.0.1", 0)
        await site.start()
        self.control_url = f"http://127.0.0.1:{self._control.addresses[0][1]}"
        ca = self.smtp.write_ca(Path(tempfile.mkdtemp(prefix="bench-ca-")))
        return {
            "twilio_url": self.twilio.base_url,
            "smtp_port": self.smtp.port,
            "ca_file": str(ca),
            "telegram_url": self.telegram.base_url,
            "telegram_token": self.telegram.token,
            "control_url": self.control_url,
        }

    async def stop(self) -> None:
        if self._control is not None:
            await self._control.cleanup()
        await self.telegram.stop()
        await self.smtp.stop()
        await self.twilio.stop()

    def stats(self) -> dict[str, Any]:
        counts = asdict(self.counts)
        del counts["handler_lag_ms"]
        return {
            **counts,
            "handler_lag_ms": self.counts.lag_summary(),
            "refused": self.counts.refused,
            "smtp_peak_connections": self.smtp.peak_open,
            "first": self.stamp.first,
            "first_channel": self.stamp.channel,
        }

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def _reset(self, request: web.Request) -> web.Response:
        self.stamp.reset()
        return web.json_response({"ok": True})

    async def _wait_first(self, request: web.Request) -> web.Response:
        """The first request since the last reset; with ``?channel=sms``, also waits for that
        channel's first (``channel_first``, null if none came within the timeout)."""
        timeout = float(request.query.get("timeout", "120"))
        channel = request.query.get("channel")
        seen = self.stamp.seen if channel is None else self.stamp.event(channel)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(seen.wait(), timeout)
        return web.json_response(
            {
                "first": self.stamp.first,
                "channel": self.stamp.channel,
                "channel_first": self.stamp.firsts.get(channel or ""),
            }
        )

    async def _links(self, request: web.Request) -> web.Response:
        return web.json_response(self.smtp.links.links)


def launch(
    children: Children, root: Path, limits: dict[str, Any]
) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """Start Prism and, in another process, the stand-ins with ``limits`` (as ``Limits``
    fields) in front of it; returns the stand-ins' process (close its stdin to stop it and
    read its counts) and what they listen on, once Prism answers."""
    prism_port = free_port()
    prism_url = f"http://127.0.0.1:{prism_port}"
    spec, prism = str(twilio_peer.SPEC), str(twilio_peer.PRISM)
    children.popen(
        [prism, "mock", "-h", "127.0.0.1", "-p", str(prism_port), spec],
        cwd=ROOT,
        stdout=(root / "prism.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    options = json.dumps({"prism_url": prism_url, "limits": limits})
    stand_ins: subprocess.Popen[str] = children.popen(
        [sys.executable, "-m", "benchmarks.standins", options],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert stand_ins.stdout is not None
    info: dict[str, Any] = json.loads(stand_ins.stdout.readline())
    wait_until(lambda: twilio_peer._is_our_prism(prism_url), within=120, what="Prism")
    return stand_ins, info


async def main(options: dict[str, Any]) -> None:
    limits = Limits(**options.get("limits", {}))
    stand_ins = StandIns(options["prism_url"], limits)
    print(json.dumps(await stand_ins.start()), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes our stdin
    print(json.dumps(stand_ins.stats()), flush=True)
    await stand_ins.stop()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
