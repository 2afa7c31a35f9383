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
from typing import Any

from pydantic import ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from beredskab.errors import ConfigError
from beredskab.settings.channels import (
    ConsoleSettings,
    SmsSettings,
    SmtpSettings,
    TelegramSettings,
    TwilioSettings,
)
from beredskab.settings.sections import (
    DatabaseSettings,
    LoggingSettings,
    MetricsSettings,
    OutboxSettings,
    PlanSettings,
    PreparednessSettings,
    PrivacySettings,
    PublicInfoSettings,
    SecuritySettings,
    ServiceSettings,
    WebSettings,
)

CONFIG_ENV = "BEREDSKAB_CONFIG"

__all__ = [
    "CONFIG_ENV",
    "ConsoleSettings",
    "DatabaseSettings",
    "LoggingSettings",
    "MetricsSettings",
    "OutboxSettings",
    "PlanSettings",
    "PreparednessSettings",
    "PrivacySettings",
    "PublicInfoSettings",
    "SecuritySettings",
    "ServiceSettings",
    "Settings",
    "SmsSettings",
    "SmtpSettings",
    "TelegramSettings",
    "TwilioSettings",
    "WebSettings",
    "load_settings",
]


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
