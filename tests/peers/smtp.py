"""A real SMTP server (aiosmtpd) for tests: STARTTLS with a trustme CA, AUTH required.

The server runs in the test's event loop on a free 127.0.0.1 port (``loop.create_server``
with aiosmtpd's ``SMTP`` protocol, as aiosmtpd's ``Controller`` does in its own thread;
in-loop lets the OS pick the port). A recording handler keeps every accepted message and can
be told to answer RCPT or DATA with a given reply (``"451 4.3.0 Try again later"``).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

import pytest_asyncio
import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

IDENT = "beredskab-test-smtp"
USERNAME = "beredskab"
PASSWORD = "hemmeligt-kodeord"


class _Session(Session):
    """aiosmtpd's session with ``login_data`` as a plain attribute: aiosmtpd itself still sets
    the deprecated property after every AUTH, which logs a deprecation warning each time."""

    login_data: Any = None


class _SMTP(SMTP):
    """aiosmtpd's SMTP protocol with sessions that use no deprecated API (``_Session``)."""

    def _create_session(self) -> Session:
        return _Session(self.loop)


@dataclass(frozen=True)
class ReceivedMail:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    login: str | None
    tls: bool
    message: EmailMessage


class RecordingHandler:
    """Accepts and records mail, unless told to answer with a configured reply
    (``rcpt_reply``/``data_reply`` until reset, ``next_data_replies`` once each), or to drop
    the connection in the middle of DATA (``reset``)."""

    def __init__(self) -> None:
        self.received: list[ReceivedMail] = []
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None
        self.next_data_replies: list[str] = []
        self.transactions = 0
        self.latency = 0.0  # seconds added to every DATA (benchmarks)
        self.resets = 0
        self._resets_left = 0
        self._reset_recorded = True
        self._reset_every = 1
        self._reset_seen = 0

    def reset(self, n: int, *, recorded: bool = True, every: int = 1) -> None:
        """Drop the connection without a reply in ``n`` of the next DATA commands (one in
        ``every``), after taking the message (``recorded``: the sender cannot know it went
        out) or before."""
        self._resets_left, self._reset_recorded = n, recorded
        self._reset_every, self._reset_seen = every, 0

    def _resetting(self) -> bool:
        if self._resets_left <= 0:
            return False
        self._reset_seen += 1
        if self._reset_seen % self._reset_every:
            return False
        self._resets_left -= 1
        self.resets += 1
        return True

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.transactions += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.next_data_replies:
            return self.next_data_replies.pop(0)
        if self.data_reply is not None:
            return self.data_reply
        if self._resetting():
            if self._reset_recorded:
                self._record(session, envelope)
            assert server.transport is not None
            server.transport.abort()
            return "421 4.4.2 Connection dropped"  # never reaches the sender
        self._record(session, envelope)
        return "250 2.0.0 Message accepted for delivery"

    def _record(self, session: Session, envelope: Envelope) -> None:
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        auth = session.auth_data
        self.received.append(
            ReceivedMail(
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                login=auth.login.decode() if isinstance(auth, LoginPassword) else None,
                tls=session.ssl is not None,
                message=parsed,
            )
        )


class SmtpPeer:
    """The server plus its test CA. ``security`` is ``"starttls"`` (default) or ``"tls"``."""

    def __init__(self, security: Literal["starttls", "tls"] = "starttls") -> None:
        self.security = security
        self.handler = RecordingHandler()
        self.ca = trustme.CA()
        self._server_cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self.host = "127.0.0.1"
        self.port = 0
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._protocols: list[SMTP] = []

    def server_context(self) -> ssl.SSLContext:
        """The server side TLS context (certificate issued by ``self.ca``)."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._server_cert.configure_cert(context)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts ``self.ca``."""
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    def write_ca(self, directory: Path) -> Path:
        """Write the CA certificate as PEM and return the file."""
        path = directory / "smtp-test-ca.pem"
        self.ca.cert_pem.write_to_path(str(path))
        return path

    @staticmethod
    def _authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == USERNAME.encode()
            and auth_data.password == PASSWORD.encode()
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def _protocol(self) -> SMTP:
        self.connections += 1
        if self.security == "starttls":
            protocol = _SMTP(
                self.handler,
                hostname=IDENT,
                ident=IDENT,
                enable_SMTPUTF8=True,
                tls_context=self.server_context(),
                require_starttls=True,
                auth_required=True,
                auth_require_tls=True,
                authenticator=self._authenticate,
            )
        else:
            protocol = _SMTP(self.handler, hostname=IDENT, ident=IDENT, enable_SMTPUTF8=True)
        self._protocols.append(protocol)
        return protocol

    async def start(self) -> None:
        """Listen on a free port."""
        loop = asyncio.get_running_loop()
        tls = self.server_context() if self.security == "tls" else None
        self._server = await loop.create_server(self._protocol, self.host, 0, ssl=tls)
        self.port = self._server.sockets[0].getsockname()[1]

    async def probe(self) -> None:
        """Readiness probe: the greeting names our server."""
        context = self.client_context() if self.security == "tls" else None
        reader, writer = await asyncio.open_connection(self.host, self.port, ssl=context)
        try:
            banner = await asyncio.wait_for(reader.readline(), 5)
            writer.write(b"QUIT\r\n")
            await writer.drain()
            await reader.readline()
        finally:
            writer.close()
            await writer.wait_closed()
        if not banner.startswith(b"220 ") or IDENT.encode() not in banner:
            raise RuntimeError(f"not our SMTP server on port {self.port}: {banner!r}")

    def drop_connections(self) -> None:
        """Close every open client connection from the server side."""
        for protocol in self._protocols:
            if protocol.transport is not None and not protocol.transport.is_closing():
                protocol.transport.close()

    async def stop(self) -> None:
        """Stop listening and close leftover connections."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self.drop_connections()
        for protocol in self._protocols:
            task = protocol._handler_coroutine
            if task is not None and not task.done():
                task.cancel()
        await asyncio.sleep(0)


@pytest_asyncio.fixture
async def smtp_peer() -> AsyncIterator[SmtpPeer]:
    """A started, probed STARTTLS + AUTH SMTP server."""
    peer = SmtpPeer()
    await peer.start()
    try:
        await peer.probe()
        yield peer
    finally:
        await peer.stop()


@pytest_asyncio.fixture
async def smtps_peer() -> AsyncIterator[SmtpPeer]:
    """A started, probed implicit-TLS SMTP server (no AUTH)."""
    peer = SmtpPeer(security="tls")
    await peer.start()
    try:
        await peer.probe()
        yield peer
    finally:
        await peer.stop()
