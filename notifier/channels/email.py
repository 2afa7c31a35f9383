"""Email through aiosmtplib: one reused SMTP connection, plain text and HTML in Danish."""

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

from notifier.errors import (
    ChannelConfigError,
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnknownOutcomeError,
    stray_cancellation,
)
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
        body += f"\n\nKvittér for modtagelsen her:\n{message.link}"
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
        link = f'<p><a href="{href}">Kvittér for modtagelsen</a></p>'
    title = html.escape(message.subject)
    return (
        '<!DOCTYPE html><html lang="da"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body>{paragraphs}{link}</body></html>\n"
    )


def build_email(config: SmtpConfig, recipient: Recipient, message: Message) -> EmailMessage:
    """The MIME message (multipart/alternative) for one recipient."""
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

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()
        self._last_used = 0.0

    def _client(self) -> aiosmtplib.SMTP:
        config = self.config
        return aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            use_tls=config.security == "tls",
            start_tls=config.security == "starttls",
            validate_certs=True,
            tls_context=config.tls_context,
            cert_bundle=str(config.ca_file) if config.ca_file and not config.tls_context else None,
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
        smtp = self._client()
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

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        """Submit one email; raise a typed delivery error on failure."""
        email = build_email(self.config, recipient, message)
        async with self._lock:
            smtp = await self._connection()
            try:
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
        return Receipt(provider_id=str(email["Message-ID"]), status=DeliveryStatus.SENT)

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
