"""The twilio library's async HTTP client as the Twilio channels use it: credentials sent as
a header, an optional base URL (a self-hosted mock for tests and staging), each request's
write reported for pacing (``notifier.wire``) and a connection opened ahead of a burst
(``notifier.warm``)."""

from __future__ import annotations

import aiohttp
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response

from notifier import wire
from notifier.warm import Preconnect


class TwilioHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """The library's async client, sending credentials as a header.

    ``AsyncTwilioHttpClient`` passes ``aiohttp.BasicAuth``, deprecated since aiohttp 3.13;
    this sends the same ``Authorization`` header without the deprecated helper.
    ``base_url`` sends every request to another server (a self-hosted mock) instead of
    ``https://api.twilio.com``; this is how tests and staging point the library elsewhere.
    """

    TWILIO_API = "https://api.twilio.com"

    def __init__(self, *, base_url: str | None = None) -> None:
        super().__init__(trace_configs=[wire.trace_config()])  # when each send leaves
        self.base_url = base_url.rstrip("/") if base_url else None
        self.warming = Preconnect(self._endpoint)
        """Opens a connection ahead of a burst (``warm``); each request waits for it."""

    async def _endpoint(self) -> tuple[aiohttp.ClientSession, str]:
        return self.session, self.base_url or self.TWILIO_API

    def warm(self) -> None:
        """Open a connection to the API now if none is likely open (``notifier.warm``)."""
        self.warming.start()

    async def close(self) -> None:
        """Close the session (and a warm-up in flight)."""
        self.warming.cancel()
        await super().close()

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
        """Send one request (see ``AsyncTwilioHttpClient.request``)."""
        await self.warming.settled()  # its connection, not a second one beside it
        self.warming.used()
        headers = dict(headers or {})
        if self.base_url and url.startswith(self.TWILIO_API):
            url = self.base_url + url[len(self.TWILIO_API) :]
        if auth is not None:
            headers["Authorization"] = aiohttp.encode_basic_auth(auth[0], auth[1])
        response: Response = await super().request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            auth=None,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )
        self.warming.used()
        return response
