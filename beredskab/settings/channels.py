"""The channels' sections of the configuration: the console, Twilio (SMS and voice), SMTP,
Telegram, and how SMS texts are measured."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import (
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from beredskab.settings.sections import _Section


class ConsoleSettings(_Section):
    """The local channel: every message becomes one JSON line in ``outbox_file``."""

    outbox_file: Path | None = None
    echo: bool = True


class TwilioSettings(_Section):
    """SMS and voice through Twilio: set account_sid, auth_token and a sender to switch on."""

    account_sid: str = ""
    auth_token: SecretStr | None = None
    from_number: str = ""
    messaging_service_sid: str = ""
    validity_period_seconds: int = Field(default=900, ge=1, le=36000)
    rate_per_second: float = Field(default=1.0, gt=0)
    timeout_seconds: float = Field(default=15.0, gt=0)
    api_base_url: str | None = None
    secondary_auth_token: SecretStr | None = None
    expected_latency_seconds: float = Field(default=0.3, gt=0, le=30)
    """Twilio's usual answer time per request: with ``rate_per_second`` it sizes how many
    sends are in the air at once (``pacing.concurrency_for``: twice rate × latency)."""

    @property
    def enabled(self) -> bool:
        """True when credentials and a sender are configured."""
        return bool(
            self.account_sid
            and self.auth_token
            and (self.from_number or self.messaging_service_sid)
        )

    @model_validator(mode="after")
    def _complete(self) -> TwilioSettings:
        """Half a Twilio configuration is a mistake, not "SMS off": SMS would go nowhere."""
        if not (self.account_sid or self.from_number or self.messaging_service_sid):
            return self
        if not self.account_sid:
            raise ValueError("account_sid is missing (from the Twilio console), or set none")
        if not re.fullmatch(r"AC[0-9a-fA-F]{32}", self.account_sid):
            raise ValueError("account_sid must be 'AC' followed by 32 hex digits (Twilio console)")
        if self.auth_token is None or not self.auth_token.get_secret_value():
            raise ValueError("auth_token is missing; set BEREDSKAB_TWILIO__AUTH_TOKEN")
        if not (self.from_number or self.messaging_service_sid):
            raise ValueError("set from_number or messaging_service_sid (who sends the SMS)")
        if self.messaging_service_sid and not re.fullmatch(
            r"MG[0-9a-fA-F]{32}", self.messaging_service_sid
        ):
            raise ValueError("messaging_service_sid must be 'MG' followed by 32 hex digits")
        return self


class SmtpSettings(_Section):
    """Email through an SMTP server. Set host and from_address to switch on."""

    host: str = ""
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    from_address: str = ""
    from_name: str = "Beredskab"
    ca_file: Path | None = None
    timeout_seconds: float = Field(default=30.0, gt=0)
    connections: int = Field(default=10, ge=1, le=50)
    """Parallel SMTP connections (each sends one message at a time): 10, what relays accept
    from one client (SocketLabs 10-20, Postfix's default per-client limit 50); lower it for
    a server that allows fewer (Exchange Online's SMTP AUTH: 3 per mailbox)."""

    @property
    def enabled(self) -> bool:
        """True when a server and a sender address are configured."""
        return bool(self.host and self.from_address)

    @model_validator(mode="after")
    def _complete(self) -> SmtpSettings:
        """Half an SMTP configuration is a mistake, not "email off"."""
        if bool(self.host) != bool(self.from_address):
            raise ValueError("set both host and from_address to send email, or neither")
        if self.from_address and "@" not in self.from_address:
            raise ValueError(f"from_address {self.from_address!r} is not an email address")
        if (self.username is None) != (self.password is None):
            missing = (
                "password too (the password as BEREDSKAB_SMTP__PASSWORD)"
                if self.password is None
                else "username too"
            )
            raise ValueError(f"username and password go together: set {missing}, or neither")
        return self


class TelegramSettings(_Section):
    """The Telegram bot. Set bot_token to switch on."""

    bot_token: SecretStr | None = None
    api_base_url: str | None = None
    rate_per_second: float = Field(default=30.0, gt=0)
    per_chat_per_second: float = Field(default=1.0, gt=0)
    mode: Literal["polling", "webhook"] = "polling"
    webhook_secret: SecretStr | None = None
    expected_latency_seconds: float = Field(default=0.3, gt=0, le=30)
    """The Bot API's usual answer time per message: with ``rate_per_second`` it sizes how
    many sends are in the air at once (``pacing.concurrency_for``)."""

    @property
    def enabled(self) -> bool:
        """True when a bot token is configured."""
        return self.bot_token is not None and bool(self.bot_token.get_secret_value())

    @field_validator("bot_token")
    @classmethod
    def _a_token(cls, value: SecretStr | None) -> SecretStr | None:
        """What aiogram accepts: digits, a colon, then the rest without spaces."""
        token = value.get_secret_value() if value is not None else ""
        left, colon, right = token.partition(":")
        if token and not (colon and left.isdigit() and right and not re.search(r"\s", token)):
            raise ValueError("not a bot token (digits:letters, as @BotFather gives it)")
        return value


class SmsSettings(_Section):
    """SMS texts as the composer of crisis communications shows them."""

    max_segments_warning: int = Field(default=8, ge=1, le=24)
    """Warn in the composer when a language's text needs more SMS segments than this (GSM-7:
    153 characters per segment, UCS-2 for Arabic, Urdu, Ukrainian …: 67)."""
