"""Settings: one model per section, read from a TOML file and ``BEREDSKAB_*`` environment.

Nothing is read at import time: call ``load_settings(path)``. Environment variables override
the file, with ``__`` between section and key (``BEREDSKAB_DATABASE__URL``). Relative paths
in the file are resolved against the file's folder.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from beredskab.errors import ConfigError

CONFIG_ENV = "BEREDSKAB_CONFIG"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceSettings(_Section):
    """Where the service keeps its files and how it presents itself."""

    data_dir: Path = Path("var")
    public_base_url: str = ""
    """Unset: derived from ``[web] host`` and ``port`` (``Settings``), so links follow the port."""
    language: Literal["da", "en"] = "da"
    shutdown_seconds: float = Field(default=10.0, gt=0, le=600)
    """SIGTERM/SIGINT end the process within this time: in-flight work gets most of it as
    grace, then what is left is cancelled (unfinished deliveries stay leased)."""

    @field_validator("public_base_url")
    @classmethod
    def _an_address(cls, value: str) -> str:
        """Links and webhooks need a whole address: a scheme, then a host."""
        if value and not re.match(r"https?://[^/\s]", value):
            raise ValueError(f"{value!r} is not an address; write it as https://host (or http://)")
        return value


class DatabaseSettings(_Section):
    """SQLite by default (a file in data_dir); PostgreSQL with a postgresql+asyncpg URL."""

    url: str | None = None
    password: SecretStr | None = None
    busy_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    """SQLite: how long a writer waits for another's lock before its transaction fails (the
    service then backs off and tries again)."""

    @model_validator(mode="after")
    def _password_for_postgresql(self) -> DatabaseSettings:
        """A password is PostgreSQL's; given for SQLite it would break the file's URL."""
        if self.password is not None and not (self.url or "").startswith("postgresql"):
            raise ValueError(
                "password is for PostgreSQL, but the database is SQLite (url empty or sqlite): "
                "unset it (BEREDSKAB_DATABASE__PASSWORD), or set url to postgresql+asyncpg://…"
            )
        return self


class PlanSettings(_Section):
    """Which plan files to load. Empty means the bundled playbooks / the fictional example."""

    playbooks_dir: Path | None = None
    directory_file: Path | None = None


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


class WebSettings(_Section):
    """The HTTP server: webhooks, acknowledgement pages, the mobile pages and their sign-in."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    max_body_bytes: int = Field(default=65536, ge=1024)
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    """The largest contact file the directory import page takes (/kontaktliste/import)."""
    secure_cookies: bool = True
    session_idle_minutes: float = Field(default=120.0, gt=0)
    session_max_hours: float = Field(default=12.0, gt=0)
    code_minutes: float = Field(default=10.0, gt=0)
    code_attempts: int = Field(default=5, ge=1)
    codes_per_hour: int = Field(default=5, ge=1)
    """Codes one client address may ask for one identifier (known or not) in an hour."""
    signin_per_minute: int = Field(default=10, ge=1)
    codes_per_client_hour: int = Field(default=20, ge=1)
    """Codes one client address may ask for in an hour, for any identifiers."""
    codes_per_hour_total: int = Field(default=200, ge=1)
    """Codes really sent in an hour, service-wide; beyond it requests get a code for nobody."""


class SecuritySettings(_Section):
    """Second factors and signed links."""

    link_secret: SecretStr | None = None
    link_secret_previous: SecretStr | None = None
    """The link secret before the last rotation: still accepted until the time below."""
    link_secret_previous_until: AwareDatetime | None = None
    log_key: SecretStr | None = None
    """Key of the situation log's HMAC chain; unset: generated once in <data_dir>/keys/log.key."""
    link_hours: float = Field(default=24.0, gt=0)
    pin_max_failures: int = Field(default=5, ge=1)
    pin_window_minutes: float = Field(default=15.0, gt=0)
    pin_lockout_minutes: float = Field(default=15.0, gt=0)
    pin_lockout_max_hours: float = Field(default=24.0, gt=0)
    passive_replies_per_hour: int = Field(default=10, ge=1)


class PreparednessSettings(_Section):
    """Between incidents: how often contacts are verified, when the unanswered are asked again."""

    verification_every_days: int = Field(default=180, ge=1)
    verification_reminder_hours: float = Field(default=48.0, gt=0)


class OutboxSettings(_Section):
    """Delivery workers: leases, retries, backoff and per-person fallback."""

    workers: int = Field(default=2, ge=1, le=32)
    batch_size: int = Field(default=20, ge=1, le=500)
    lease_seconds: float = Field(default=60.0, gt=0)
    max_idle_seconds: float = Field(default=30.0, gt=0, le=3600)
    """The longest an idle worker (or the timer loop) sleeps without a signal: a safety net.
    Workers wake when a transaction queues work and at the next due time."""
    poll_seconds: float | None = Field(default=None, gt=0)
    """Deprecated and ignored (workers no longer poll); accepted so old configs load."""
    max_attempts: int = Field(default=6, ge=1, le=50)
    backoff_base_seconds: float = Field(default=2.0, gt=0)
    backoff_max_seconds: float = Field(default=300.0, gt=0)
    fallback_after_seconds: float = Field(default=300.0, gt=0)
    max_in_flight: int = Field(default=32, ge=1, le=1000)
    """Per channel, across its workers: sends handed to the provider and not yet recorded.
    The most a crash (kill -9, power loss) can send twice on a channel that cannot reconcile
    (email, Telegram); SMS is reconciled with Twilio and never sent twice."""


class PublicInfoSettings(_Section):
    """The public notice page ``/info`` and its Atom feed (README: Public notice page and
    feed)."""

    area_name: str = Field(default="Områdesekretariatet", min_length=1, max_length=120)
    """Who informs, in the page's and the feed's title."""
    max_age_seconds: int = Field(default=60, ge=0, le=86400)
    """``Cache-Control: public, max-age=…`` of the page and the feed."""
    feed_entries: int = Field(default=20, ge=1, le=200)
    """How many of the newest notices the feed carries."""


class SmsSettings(_Section):
    """SMS texts as the composer of crisis communications shows them."""

    max_segments_warning: int = Field(default=8, ge=1, le=24)
    """Warn in the composer when a language's text needs more SMS segments than this (GSM-7:
    153 characters per segment, UCS-2 for Arabic, Urdu, Ukrainian …: 67)."""


class MetricsSettings(_Section):
    """``/metrics`` in Prometheus format on the web port (README: Metrics and logs)."""

    enabled: bool = True
    token: SecretStr | None = None
    """Set: every scrape needs ``Authorization: Bearer <token>``, from anywhere. Unset: only
    direct requests from this machine (loopback, no proxy's forwarding header) are answered."""


class LoggingSettings(_Section):
    """What ``serve`` logs to stderr, and in which form."""

    format: Literal["text", "json"] = "text"
    """"json": one object per line (time, level, logger, message, incident and delivery ids)."""
    level: Literal["debug", "info", "warning", "error"] = "warning"
    """``--verbose`` lowers it to info."""


class PrivacySettings(_Section):
    """Privacy by default (docs/privacy.md): how long closed incidents and the audit log are
    kept."""

    retention_days: int = Field(default=730, ge=1, le=36500)
    """A closed incident is deleted this many days after it was closed, with its log,
    deliveries, confirmations, tasks and picture (checked hourly, audited)."""
    audit_retention_days: int = Field(default=1825, ge=1, le=36500)
    """Audit rows older than this are deleted (checked hourly, audited)."""
    inbox_retention_days: int = Field(default=90, ge=1, le=36500)
    """Raw inbound messages (SMS, Telegram updates) and replies outside incidents are deleted
    after this many days."""


class Settings(BaseSettings):
    """The whole configuration."""

    model_config = SettingsConfigDict(
        env_prefix="BEREDSKAB_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    service: ServiceSettings = ServiceSettings()
    database: DatabaseSettings = DatabaseSettings()
    plan: PlanSettings = PlanSettings()
    console: ConsoleSettings = ConsoleSettings()
    outbox: OutboxSettings = OutboxSettings()
    twilio: TwilioSettings = TwilioSettings()
    smtp: SmtpSettings = SmtpSettings()
    telegram: TelegramSettings = TelegramSettings()
    web: WebSettings = WebSettings()
    security: SecuritySettings = SecuritySettings()
    preparedness: PreparednessSettings = PreparednessSettings()
    public_info: PublicInfoSettings = PublicInfoSettings()
    sms: SmsSettings = SmsSettings()
    metrics: MetricsSettings = MetricsSettings()
    logging: LoggingSettings = LoggingSettings()
    privacy: PrivacySettings = PrivacySettings()

    @model_validator(mode="after")
    def _derive_public_base_url(self) -> Settings:
        """Without ``[service] public_base_url``, links and webhooks point at the web server
        itself: ``http://<host>:<port>``, a wildcard host as 127.0.0.1."""
        if not self.service.public_base_url:
            host = self.web.host
            if host in ("", "0.0.0.0", "::"):
                host = "127.0.0.1"
            elif ":" in host:
                host = f"[{host}]"
            derived = f"http://{host}:{self.web.port}"
            object.__setattr__(  # frozen: the one place a section is completed after loading
                self, "service", self.service.model_copy(update={"public_base_url": derived})
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Environment first, then the values read from the TOML file."""
        return (env_settings, init_settings)

    @property
    def database_url(self) -> str:
        """The configured URL, or the SQLite file in the data folder."""
        if self.database.url:
            return self.database.url
        return f"sqlite+aiosqlite:///{self.service.data_dir / 'beredskab.sqlite3'}"

    @property
    def outbox_file(self) -> Path:
        """Where the console channel writes."""
        return self.console.outbox_file or self.service.data_dir / "outbox.jsonl"


def load_settings(path: Path | None = None) -> Settings:
    """Read settings from ``path`` (or ``$BEREDSKAB_CONFIG``, or defaults) plus environment."""
    if path is None and os.environ.get(CONFIG_ENV):
        path = Path(os.environ[CONFIG_ENV])
    data: dict[str, Any] = {}
    base = Path.cwd()
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(
                "config file {path} not found; copy config.example.toml", path=path
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError("{path}: not valid TOML: {reason}", path=path, reason=exc) from exc
        base = path.resolve().parent
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        where = str(path) if path is not None else "settings"
        problems = f"\n{where}: ".join(_problem(e) for e in exc.errors())
        raise ConfigError("{path}: {problems}", path=where, problems=problems) from exc
    return _resolve_paths(settings, base)


def _problem(error: Any) -> str:
    """One validation error as a line naming the setting as it is written in the file
    (``[smtp] port``) and, when it came from there, the environment variable."""
    loc = [str(part) for part in error["loc"]]
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown setting (see config.example.toml for the names)"
    elif error["type"] not in ("value_error", "assertion_error", "missing") and not re.search(
        "password|token|secret|key", loc[-1] if loc else ""
    ):
        message = f"{message} (got {error['input']!r})"  # never a secret's value
    if not loc:
        return message
    name = f"[{loc[0]}]" + (f" {'.'.join(loc[1:])}" if loc[1:] else "")
    env = f"BEREDSKAB_{'__'.join(loc).upper()}"
    if len(loc) > 1 and env in os.environ:
        name += f" ({env})"
    return f"{name}: {message}"


def _resolve_paths(settings: Settings, base: Path) -> Settings:
    def absolute(p: Path | None) -> Path | None:
        return None if p is None else (p if p.is_absolute() else base / p)

    service = settings.service.model_copy(update={"data_dir": absolute(settings.service.data_dir)})
    plan = settings.plan.model_copy(
        update={
            "playbooks_dir": absolute(settings.plan.playbooks_dir),
            "directory_file": absolute(settings.plan.directory_file),
        }
    )
    console = settings.console.model_copy(
        update={"outbox_file": absolute(settings.console.outbox_file)}
    )
    smtp = settings.smtp.model_copy(update={"ca_file": absolute(settings.smtp.ca_file)})
    return settings.model_copy(
        update={"service": service, "plan": plan, "console": console, "smtp": smtp}
    )
