"""The service's own sections of the configuration: where it keeps its data, its database,
the plan, the web server, security, the outbox, and what it publishes, measures, logs and
keeps; ``_Section`` is the base of every section."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)


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
