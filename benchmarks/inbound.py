"""G5: inbound replies at a fixed concurrency against the running service, over HTTP.

Two kinds of request, alternating: an SMS "OK" as Twilio posts it to
``/webhooks/twilio/sms`` (signed with the configured auth token by the twilio library's
``RequestValidator``, exactly as Twilio signs), and the POST behind the confirm button of
the acknowledgement link in the person's email (the link is taken from the email the SMTP
stand-in received; the form's field and value from the link's page, once).
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from twilio.request_validator import RequestValidator

from tests.peers.twilio import ACCOUNT_SID, AUTH_TOKEN

BUTTON = re.compile(r"<button[^>]*\bname=\"([^\"]+)\"[^>]*\bvalue=\"([^\"]+)\"")


@dataclass(frozen=True)
class Reply:
    """One inbound request: an SMS "OK" from ``phone`` or a POST to ``link``."""

    person_id: str
    phone: str | None = None
    link: str | None = None


@dataclass
class LoadResult:
    """Throughput, latency and errors of one load run."""

    concurrency: int
    requests: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        values = self.latencies_ms
        if len(values) < 2:
            return values[0] if values else float("nan")
        return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


async def confirm_form(session: aiohttp.ClientSession, link: str) -> dict[str, str]:
    """The confirm button's form field, read from the link's page (the first button)."""
    async with session.get(link) as response:
        page = await response.text()
    found = BUTTON.search(page)
    if response.status != 200 or found is None:
        raise RuntimeError(f"no confirm form at {link} ({response.status})")
    return {found.group(1): found.group(2)}


def signed_sms(base_url: str, sender: str, body: str) -> tuple[str, dict[str, str], str]:
    """URL, form and X-Twilio-Signature of an inbound SMS as Twilio sends it."""
    url = f"{base_url}/webhooks/twilio/sms"
    params = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": "+4570201234",
        "Body": body,
        "NumMedia": "0",
    }
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    return url, params, signature


async def run_load(
    base_url: str, replies: list[Reply], concurrency: int, form: dict[str, str]
) -> LoadResult:
    """Send every reply with ``concurrency`` requests in the air."""
    queue: asyncio.Queue[Reply] = asyncio.Queue()
    for reply in replies:
        queue.put_nowait(reply)
    # Signatures are computed before the clock starts: they are Twilio's work, not ours.
    prepared: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {}
    for reply in replies:
        if reply.phone is not None:
            url, params, signature = signed_sms(base_url, reply.phone, "OK")
            prepared[reply.person_id] = (url, params, {"X-Twilio-Signature": signature})
        else:
            assert reply.link is not None
            prepared[reply.person_id] = (reply.link, form, {})
    result = LoadResult(concurrency, len(replies), 0.0)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=120)

    async def worker(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            reply = queue.get_nowait()
            url, data, headers = prepared[reply.person_id]
            start = time.perf_counter()
            try:
                async with session.post(url, data=data, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as error:
                key = type(error).__name__
                result.errors[key] = result.errors.get(key, 0) + 1
                continue
            result.latencies_ms.append((time.perf_counter() - start) * 1000)
            if status != 200:
                result.errors[str(status)] = result.errors.get(str(status), 0) + 1

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        result.started = datetime.now(UTC)
        began = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        result.seconds = time.perf_counter() - began
    return result


def summary(result: LoadResult, applied_seconds: float | None) -> dict[str, Any]:
    """The run as JSON-ready numbers."""
    applied = result.requests / applied_seconds if applied_seconds else None
    return {
        "concurrency": result.concurrency,
        "requests": result.requests,
        "per_second": round(result.per_second, 1),
        "p50_ms": round(result.percentile(50), 1),
        "p99_ms": round(result.percentile(99), 1),
        "errors": result.errors,
        "applied_seconds": round(applied_seconds, 2) if applied_seconds else None,
        "applied_per_second": round(applied, 1) if applied else None,
    }
