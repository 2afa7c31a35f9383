"""The one line `serve` prints when it is ready, and the facts it shares with `doctor`.

The line names where the service listens, the public base URL (the configured one, or the
one derived from ``[web] host`` and ``port``), which provider carries each channel, the plan
version, the database kind and the keys that were generated rather than configured. It
carries no secret: no password, token or key, and no URL with credentials in it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from beredskab.operations.texts import say
from notifier.types import ChannelKind

if TYPE_CHECKING:
    from beredskab.i18n import Language
    from beredskab.settings import Settings

KEY_FOLDER = "keys"
"""Generated keys live in ``<data_dir>/keys`` (``security.keys.KeyStore``)."""


def generated_keys(settings: Settings) -> list[str]:
    """Names of the keys generated under the data folder rather than configured."""
    from beredskab.boundary.keys import describe_keys

    return [key.name for key in describe_keys(settings) if key.state != "configured"]


def providers(settings: Settings) -> dict[ChannelKind, str]:
    """Which provider carries each channel kind ("console" when none is configured)."""
    found = dict.fromkeys(ChannelKind, "console")
    if settings.twilio.enabled:
        found[ChannelKind.SMS] = "twilio"
        found[ChannelKind.VOICE] = "twilio" if settings.twilio.from_number else "unavailable"
    if settings.smtp.enabled:
        found[ChannelKind.EMAIL] = "smtp"
    if settings.telegram.enabled:
        found[ChannelKind.TELEGRAM] = f"telegram ({settings.telegram.mode})"
    return found


def without_credentials(url: str) -> str:
    """``url`` with any ``user:password@`` removed."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


def where(address: tuple[str, int]) -> str:
    """``host:port`` (an IPv6 host in brackets)."""
    host, port = address
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def line(
    settings: Settings,
    *,
    address: tuple[str, int],
    plan_version: str,
    database: str,
    language: Language,
) -> str:
    """The startup line for a service bound to ``address``."""
    words = {"console": say("console", language), "unavailable": say("unavailable", language)}
    channels = ", ".join(
        f"{kind.value}={words.get(provider, provider)}"
        for kind, provider in providers(settings).items()
    )
    generated = generated_keys(settings)
    return say(
        "ready",
        language,
        where=where(address),
        public=without_credentials(settings.service.public_base_url),
        channels=channels,
        version=plan_version,
        database=database,
        keys=", ".join(generated) if generated else say("none", language),
    )
