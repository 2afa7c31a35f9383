"""Channels from the settings: which channel delivers each kind and whether any of them
reaches real people (how each is paced: ``delivery.pacing.from_settings``)."""

from __future__ import annotations

import sys
from typing import ClassVar

from beredskab.settings import Settings
from notifier.base import Channel
from notifier.channels.console import ConsoleChannel
from notifier.errors import PermanentDeliveryError
from notifier.types import ChannelKind, Message, Receipt, Recipient


def live_providers(settings: Settings) -> bool:
    """True when any channel reaches real people (then the example directory is refused)."""
    return settings.twilio.enabled or settings.smtp.enabled or settings.telegram.enabled


def build_channels(settings: Settings) -> dict[ChannelKind, Channel]:
    """The channel for each kind.

    Every kind starts on the console channel; configuring a provider switches its kinds over.
    Provider modules are imported only when configured: aiogram alone takes seconds to
    import, which every CLI command would otherwise pay.
    """
    console = ConsoleChannel(
        settings.outbox_file, echo=sys.stdout if settings.console.echo else None
    )
    channels: dict[ChannelKind, Channel] = {kind: console for kind in ChannelKind}
    twilio = settings.twilio
    if twilio.enabled:
        from notifier.channels.sms import TwilioConfig, TwilioSmsChannel, TwilioVoiceChannel
        from notifier.channels.twilio_http import TwilioHttpClient

        assert twilio.auth_token is not None
        config = TwilioConfig(
            account_sid=twilio.account_sid,
            auth_token=twilio.auth_token.get_secret_value(),
            from_number=twilio.from_number or None,
            messaging_service_sid=twilio.messaging_service_sid or None,
            validity_period=twilio.validity_period_seconds,
            status_callback_base=settings.service.public_base_url,
            timeout=twilio.timeout_seconds,
        )
        channels[ChannelKind.SMS] = TwilioSmsChannel(
            config, http_client=TwilioHttpClient(base_url=twilio.api_base_url)
        )
        if twilio.from_number:
            channels[ChannelKind.VOICE] = TwilioVoiceChannel(
                config, http_client=TwilioHttpClient(base_url=twilio.api_base_url)
            )
        else:  # a live service must not pretend to call people through the console
            channels[ChannelKind.VOICE] = Unavailable(
                "voice calls need [twilio] from_number (a messaging service cannot call)"
            )
    smtp = settings.smtp
    if smtp.enabled:
        from notifier.channels.email import SmtpConfig, smtp_pool

        smtp_config = SmtpConfig(
            host=smtp.host,
            port=smtp.port,
            from_address=smtp.from_address,
            from_name=smtp.from_name,
            username=smtp.username,
            password=smtp.password.get_secret_value() if smtp.password else None,
            security=smtp.security,
            ca_file=smtp.ca_file,
            timeout=smtp.timeout_seconds,
        )
        channels[ChannelKind.EMAIL] = smtp_pool(smtp_config, smtp.connections)
    telegram = settings.telegram
    if telegram.enabled:
        from notifier.channels.telegram import TelegramChannel

        assert telegram.bot_token is not None
        channels[ChannelKind.TELEGRAM] = TelegramChannel.from_token(
            telegram.bot_token.get_secret_value(), api_base_url=telegram.api_base_url
        )
    return channels


class Unavailable:
    """A kind that cannot be delivered in this configuration: every send fails plainly."""

    name: ClassVar[str] = "unavailable"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset(ChannelKind)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        """Refuse, saying why (the outbox logs it and falls back)."""
        raise PermanentDeliveryError(self.reason)

    async def aclose(self) -> None:
        """Nothing to release."""
