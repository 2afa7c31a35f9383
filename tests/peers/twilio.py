"""The Twilio REST API for tests: Stoplight Prism serving Twilio's own OpenAPI description.

Prism (``@stoplight/prism-cli`` 5.14.2, installed by ``npm ci --ignore-scripts``) validates
each request against the spec (a missing ``To`` is a 422, no credentials a 401) and answers
with the spec's fixed examples, so tests assert on what was *sent*. The spec's ``servers``
entry (``https://api.twilio.com``) needs no rewriting: Prism matches on the path only.

The twilio library reaches Prism through ``PrismHttpClient``, an ``AsyncTwilioHttpClient``
that rewrites ``https://api.twilio.com`` to Prism's address. ``CannedHttpClient`` answers
with canned responses for what Prism cannot produce (20429, 21211, 5xx, timeouts).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response

from notifier.channels.twilio_http import TwilioHttpClient

ROOT = Path(__file__).resolve().parents[2]
SPEC = Path(__file__).resolve().parent / "twilio-oai" / "twilio_api_v2010.json"
PRISM = ROOT / "node_modules" / ".bin" / "prism"
TWILIO_API = "https://api.twilio.com"

ACCOUNT_SID = "AC5ef872f6da5a21de157d80997a64bd33"
AUTH_TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
FROM_NUMBER = "+4570201234"
SERVICE_SID = "MG9b1e5c3a7d2f4e6081a3c5e7f9b2d4c6"


@dataclass(frozen=True)
class SentRequest:
    """What the twilio library sent: method, URL (as addressed to Twilio), query and form."""

    method: str
    url: str
    params: dict[str, Any]
    data: dict[str, Any]

    @property
    def path(self) -> str:
        """The URL path below the API host."""
        return self.url.removeprefix(TWILIO_API).split("?", 1)[0]


def _record(
    method: str, url: str, params: dict[str, object] | None, data: dict[str, object] | None
) -> SentRequest:
    return SentRequest(method.upper(), url, dict(params or {}), dict(data or {}))


class PrismHttpClient(TwilioHttpClient):
    """Sends the twilio library's requests to ``base_url`` instead of api.twilio.com
    (a subclass of ``AsyncTwilioHttpClient`` via the channel's ``TwilioHttpClient``);
    ``fail_next`` queues canned answers for errors Prism cannot produce."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url=base_url)
        self.sent: list[SentRequest] = []
        self.statuses: list[int] = []
        self.canned: list[Response] = []

    def fail_next(self, response: Response) -> None:
        """Answer the next request with ``response`` instead of asking Prism."""
        self.canned.append(response)

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (the library's signature)
        allow_redirects: bool = False,
    ) -> Response:
        self.sent.append(_record(method, url, params, data))
        if self.canned:
            canned = self.canned.pop(0)
            self.statuses.append(canned.status_code)
            return canned
        response: Response = await super().request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )
        self.statuses.append(response.status_code)
        return response


class CannedHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """Answers each request with the next canned item: a Response, an exception to raise,
    or a number of seconds to hang (to trigger the channel's own timeout)."""

    def __init__(self, *answers: Response | BaseException | float) -> None:
        super().__init__(pool_connections=False)
        self.answers = list(answers)
        self.sent: list[SentRequest] = []
        self.closed = False

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (the library's signature)
        allow_redirects: bool = False,
    ) -> Response:
        self.sent.append(_record(method, url, params, data))
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, float | int):
            await asyncio.sleep(answer)
            raise AssertionError("the channel should have timed out")
        return answer

    async def close(self) -> None:
        self.closed = True


def twilio_error(status: int, code: int, message: str) -> Response:
    """A Twilio-shaped error response."""
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Response(status, json.dumps(body), {"Content-Type": "application/json"})


def message_created(sid: str = "SM0123456789abcdef0123456789abcdef") -> Response:
    """A minimal 201 for a created message."""
    body = {"sid": sid, "status": "queued", "account_sid": ACCOUNT_SID}
    return Response(201, json.dumps(body), {"Content-Type": "application/json"})


@dataclass(frozen=True)
class PrismServer:
    """A running Prism mock of the Twilio API."""

    base_url: str
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(url: str, authenticated: bool) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if authenticated:
        token = b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code), bytes(error.read())


def _is_our_prism(base_url: str) -> bool:
    """An authenticated account fetch is 200 with a Twilio body; without credentials 401."""
    url = f"{base_url}/2010-04-01/Accounts/{ACCOUNT_SID}.json"
    try:
        status, body = _get(url, authenticated=True)
        if status != 200 or "subresource_uris" not in json.loads(body):
            return False
        status, _ = _get(url, authenticated=False)
    except (OSError, ValueError):
        return False
    return status == 401


@pytest.fixture(scope="session")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrismServer]:
    """Prism serving the Twilio spec on a free 127.0.0.1 port, for the whole session."""
    if shutil.which("node") is None or not PRISM.exists():
        pytest.fail(
            "Stoplight Prism is not installed: run `SCARF_ANALYTICS=false npm ci "
            "--ignore-scripts` in the repository root (needs Node.js 20) before pytest."
        )
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "SCARF_ANALYTICS": "false", "NO_COLOR": "1"},
        )
    try:
        deadline = time.monotonic() + 120
        while not _is_our_prism(base_url):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:]
                pytest.fail(f"Prism did not become ready on {base_url}:\n{tail}")
            # A sync session fixture: poll the subprocess with a short blocking wait.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.2)
        yield PrismServer(base_url=base_url, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def form(request: SentRequest) -> dict[str, str]:
    """The form fields as strings (how they went over the wire)."""
    return {k: str(v) for k, v in request.data.items()}


def query(url: str) -> dict[str, str]:
    """The query string of a URL as a dict."""
    return dict(parse_qsl(url.split("?", 1)[1])) if "?" in url else {}
