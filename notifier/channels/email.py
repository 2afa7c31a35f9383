"""Email through aiosmtplib: one reused SMTP connection, plain text and HTML in Danish.

``smtp_pool`` builds the channels of one SMTP pool around one ``SmtpShared``: a single TLS
context (loading the CA store is done once, not per connection) and a single ``Composer``
(the email is rendered once per notification and personalised per recipient).
"""

from __future__ import annotations

import asyncio
import html
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import ClassVar, Literal
from urllib.parse import quote

import aiosmtplib

from notifier.channels.email_mime import ACK_INTRO, ACK_LABEL, Composer, plain_address
from notifier.errors import (
    ChannelConfigError,
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnknownOutcomeError,
    stray_cancellation,
)
from notifier.pool import ChannelPool
from notifier.types import ChannelKind, DeliveryStatus, Message, Receipt, Recipient

Security = Literal["starttls", "tls", "none"]
_SECURITY: frozenset[str] = frozenset({"starttls", "tls", "none"})
_MSGID_SAFE = "!#$&'*+-/=?^_`{|}~"


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to submit mail.

    ``security``: ``"starttls"`` (required upgrade, usually port 587), ``"tls"`` (implicit,
    usually 465) or ``"none"`` (a local relay only). Certificates are always verified, against
    ``tls_context`` or ``ca_file`` when given, else the system store.
    """

    host: str
    port: int
    from_address: str
    username: str | None = None
    password: str | None = None
    security: Security = "starttls"
    from_name: str = "Beredskab"
    ca_file: Path | None = None
    tls_context: ssl.SSLContext | None = None
    timeout: float = 30.0
    idle_check_after: float = 10.0

    def __post_init__(self) -> None:
        if self.security not in _SECURITY:
            raise ChannelConfigError(
                f"smtp security must be one of {sorted(_SECURITY)}, got {self.security!r}"
            )
        if not 0 < self.port < 65536:
            raise ChannelConfigError(f"smtp port must be 1-65535, got {self.port}")
        if "@" not in self.from_address:
            raise ChannelConfigError(f"smtp from address {self.from_address!r} has no domain")
        if (self.username is None) != (self.password is None):
            raise ChannelConfigError("set both smtp username and password, or neither")
        if self.timeout <= 0:
            raise ChannelConfigError("smtp timeout must be positive")

    @property
    def domain(self) -> str:
        """The domain of the sender address (used in Message-IDs)."""
        return self.from_address.rsplit("@", 1)[1]


def message_id(key: str, domain: str) -> str:
    """``<key@domain>`` with characters not allowed in a Message-ID percent-encoded."""
    local = quote(key, safe=_MSGID_SAFE).replace(".", "%2E").replace("~", "%7E")
    return f"<{local}@{domain}>"


def plain_body(message: Message) -> str:
    """The plain-text part: the full text and, when present, the acknowledgement link."""
    body = message.text.rstrip()
    if message.link:
        body += f"\n\n{ACK_INTRO}\n{message.link}"
    return body + "\n"


def html_body(message: Message) -> str:
    """A simple HTML part with the same content as the plain text."""
    paragraphs = "".join(
        "<p>{}</p>".format(html.escape(part).replace("\n", "<br>"))
        for part in message.text.strip().split("\n\n")
    )
    link = ""
    if message.link:
        href = html.escape(message.link, quote=True)
        link = f'<p><a href="{href}">{ACK_LABEL}</a></p>'
    title = html.escape(message.subject)
    return (
        '<!DOCTYPE html><html lang="da"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body>{paragraphs}{link}</body></html>\n"
    )


def build_email(config: SmtpConfig, recipient: Recipient, message: Message) -> EmailMessage:
    """The MIME message (multipart/alternative) for one recipient, built in full: the
    channel uses it only for an address that is not a plain ``local@domain`` (the
    ``Composer`` renders everything else). Raises ``ValueError`` for a header value with a
    line break."""
    email = EmailMessage()
    email["From"] = formataddr((config.from_name, config.from_address))
    email["To"] = recipient.address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(datetime.now(UTC))
    email["Message-ID"] = message_id(message.key, config.domain)
    email["Auto-Submitted"] = "auto-generated"
    email["Content-Language"] = recipient.language or "da"
    email.set_content(plain_body(message))
    email.add_alternative(html_body(message), subtype="html")
    return email


def _by_code(code: int, text: str) -> DeliveryError:
    if 400 <= code < 500:
        return TransientDeliveryError(f"SMTP {code}: {text}")
    return PermanentDeliveryError(f"SMTP {code}: {text}")


def map_connect_error(error: Exception) -> DeliveryError:
    """Errors while connecting, upgrading to TLS or logging in (nothing was sent yet)."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return PermanentDeliveryError(
            f"SMTP server certificate not trusted ({error.verify_message}); fix ca_file or host"
        )
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return PermanentDeliveryError(f"SMTP login refused ({error.code}): check the credentials")
    if isinstance(error, aiosmtplib.SMTPNotSupported):
        return PermanentDeliveryError(f"SMTP server lacks a required feature: {error}")
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return _by_code(error.code, error.message)
    if isinstance(error, ssl.SSLError):
        return PermanentDeliveryError(f"SMTP TLS failed: {error}")
    return TransientDeliveryError(f"SMTP server unreachable: {error}")


def map_send_error(error: Exception) -> DeliveryError:
    """Errors during MAIL/RCPT/DATA."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        first = error.recipients[0]
        return _by_code(first.code, f"{first.recipient}: {first.message}")
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return _by_code(error.code, error.message)
    if isinstance(
        error, aiosmtplib.SMTPServerDisconnected | aiosmtplib.SMTPTimeoutError | OSError | EOFError
    ):
        return UnknownOutcomeError(f"SMTP connection lost while sending: {error!r}")
    return PermanentDeliveryError(f"SMTP cannot send this message: {error}")


def tls_context_for(config: SmtpConfig) -> ssl.SSLContext:
    """What aiosmtplib would build per connection: the system store plus ``ca_file``,
    certificates and host names verified."""
    if config.tls_context is not None:
        return config.tls_context
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if config.ca_file is not None:
        context.load_verify_locations(cafile=str(config.ca_file))
    return context


class SmtpShared:
    """What the connections of one SMTP pool share: the TLS context, built on first use
    (off the event loop) and then reused by every connection, and the ``Composer``."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.composer = Composer(config)
        self._context = config.tls_context
        self._building = asyncio.Lock()
        self.contexts_built = 0

    async def tls_context(self) -> ssl.SSLContext | None:
        """The pool's TLS context (None without TLS)."""
        if self.config.security == "none":
            return None
        if self._context is None:
            async with self._building:
                if self._context is None:
                    self._context = await asyncio.to_thread(tls_context_for, self.config)
                    self.contexts_built += 1
        return self._context


def smtp_pool(config: SmtpConfig, connections: int) -> ChannelPool:
    """``connections`` SMTP channels sharing one TLS context and one composer."""
    shared = SmtpShared(config)
    return ChannelPool([SmtpEmailChannel(config, shared=shared) for _ in range(connections)])


class SmtpEmailChannel:
    """Sends multipart email; keeps one connection open across a burst.

    Sends are serialised on the connection. A connection idle longer than
    ``idle_check_after`` seconds is checked with NOOP and reopened if the server dropped it;
    after any error the connection is closed and the next send reconnects. The receipt's
    provider id is the Message-ID, derived from ``message.key`` so a re-send keeps it.
    """

    name: ClassVar[str] = "email"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset({ChannelKind.EMAIL})
    max_connections: ClassVar[int] = 1

    def __init__(self, config: SmtpConfig, *, shared: SmtpShared | None = None) -> None:
        self.config = config
        self.shared = shared or SmtpShared(config)
        self._smtp: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()
        self._last_used = 0.0

    def _client(self, tls_context: ssl.SSLContext | None) -> aiosmtplib.SMTP:
        config = self.config
        return aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            use_tls=config.security == "tls",
            start_tls=config.security == "starttls",
            validate_certs=True,
            tls_context=tls_context,
            timeout=config.timeout,
        )

    async def _connection(self) -> aiosmtplib.SMTP:
        smtp = self._smtp
        if smtp is not None and smtp.is_connected:
            if time.monotonic() - self._last_used < self.config.idle_check_after:
                return smtp
            try:
                await smtp.noop()
                return smtp
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()
        try:
            smtp = self._client(await self.shared.tls_context())
        except (ssl.SSLError, OSError) as error:  # an unreadable or invalid ca_file
            raise map_connect_error(error) from error
        try:
            await smtp.connect()
        except (aiosmtplib.SMTPException, OSError, EOFError) as error:
            smtp.close()
            raise map_connect_error(error) from error
        self._smtp = smtp
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    async def _submit(self, smtp: aiosmtplib.SMTP, address: str, data: bytes) -> None:
        """MAIL/RCPT/DATA for a composed message, with the options ``send_message`` would
        choose (SMTPUTF8 for a non-ASCII address; the body itself is 7-bit)."""
        await smtp._ehlo_or_helo_if_needed()  # as send_message does, for the extension check
        options: list[str] = []
        if not (address.isascii() and self.config.from_address.isascii()):
            if not smtp.supports_extension("smtputf8"):
                raise aiosmtplib.SMTPNotSupported(
                    "An address containing non-ASCII characters was provided, but "
                    "SMTPUTF8 is not supported by this server"
                )
            options.append("SMTPUTF8")
        await smtp.sendmail(self.config.from_address, [address], data, mail_options=options)

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        """Submit one email; raise a typed delivery error on failure."""
        msgid = message_id(message.key, self.config.domain)
        data: bytes | None = None
        email: EmailMessage | None = None
        try:
            if plain_address(recipient.address):
                data = self.shared.composer.compose(
                    recipient.address, message, recipient.language or "da", msgid
                )
            else:
                email = build_email(self.config, recipient, message)
        except ValueError as error:
            raise PermanentDeliveryError(f"cannot build this email: {error}") from error
        async with self._lock:
            smtp = await self._connection()
            try:
                if data is not None:
                    await self._submit(smtp, recipient.address, data)
                else:
                    assert email is not None
                    await smtp.send_message(email)
            except (aiosmtplib.SMTPException, OSError, EOFError, ValueError) as error:
                self._drop()
                raise map_send_error(error) from error
            except asyncio.CancelledError as error:
                self._drop()  # the connection is mid-transaction either way
                if not stray_cancellation():
                    raise
                raise UnknownOutcomeError("SMTP send cancelled by the client") from error
            self._last_used = time.monotonic()
        return Receipt(provider_id=msgid, status=DeliveryStatus.SENT)

    async def aclose(self) -> None:
        """Say QUIT and close; safe to call twice."""
        async with self._lock:
            smtp, self._smtp = self._smtp, None
            if smtp is None or not smtp.is_connected:
                return
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()
