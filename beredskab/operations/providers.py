"""The doctor's provider checks: each configured provider is asked, with the configured
credentials, something harmless (``notifier.channels.probes``): Twilio's account, an SMTP
login, Telegram's ``getMe``. A provider that is not configured is a warning: its messages go
to the console file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from beredskab.operations.checks import Check
from beredskab.operations.texts import say
from notifier.errors import ChannelConfigError, DeliveryError, TransientDeliveryError

if TYPE_CHECKING:
    from beredskab.operations.checks import Context


def _off(ctx: Context, name: str) -> Check:
    say.mark("what_twilio", "what_smtp", "what_telegram")
    say.mark("fix_twilio_off", "fix_smtp_off", "fix_telegram_off")
    return Check(
        name,
        "warn",
        ctx.say("provider_off", what=ctx.say(f"what_{name}")),
        ctx.say(f"fix_{name}_off"),
    )


def _result(ctx: Context, name: str, answer: str | DeliveryError, setting: str) -> Check:
    if isinstance(answer, str):
        return Check(name, "pass", ctx.say("provider_ok", answer=answer))
    if isinstance(answer, TransientDeliveryError):
        return Check(name, "fail", str(answer), ctx.say("fix_unreachable", setting=setting))
    say.mark("fix_twilio", "fix_smtp", "fix_telegram")
    return Check(name, "fail", str(answer), ctx.say(f"fix_{name}"))


async def twilio(ctx: Context) -> Check:
    """Fetch the Twilio account through the twilio library."""
    settings = ctx.settings.twilio
    if not settings.enabled:
        return _off(ctx, "twilio")
    from notifier.channels.probes import twilio_account

    assert settings.auth_token is not None
    answer: str | DeliveryError
    try:
        answer = await twilio_account(
            account_sid=settings.account_sid,
            auth_token=settings.auth_token.get_secret_value(),
            api_base_url=settings.api_base_url,
            seconds=ctx.seconds,
        )
    except DeliveryError as error:
        answer = error
    return _result(ctx, "twilio", answer, "[twilio] api_base_url")


async def smtp(ctx: Context) -> Check:
    """Connect to the SMTP server and log in (when credentials are set)."""
    settings = ctx.settings.smtp
    if not settings.enabled:
        return _off(ctx, "smtp")
    from notifier.channels.email import SmtpConfig
    from notifier.channels.probes import smtp_login

    answer: str | DeliveryError
    try:
        config = SmtpConfig(
            host=settings.host,
            port=settings.port,
            from_address=settings.from_address,
            from_name=settings.from_name,
            username=settings.username,
            password=settings.password.get_secret_value() if settings.password else None,
            security=settings.security,
            ca_file=settings.ca_file,
            timeout=ctx.seconds,
        )
    except ChannelConfigError as error:  # the config row says it too
        return Check("smtp", "fail", str(error), ctx.say("fix_channel"))
    try:
        answer = await smtp_login(config, seconds=ctx.seconds)
    except DeliveryError as error:
        answer = error
    return _result(ctx, "smtp", answer, "[smtp] host and port")


async def telegram(ctx: Context) -> Check:
    """``getMe`` with the bot token, through aiogram."""
    settings = ctx.settings.telegram
    if not settings.enabled:
        return _off(ctx, "telegram")
    from notifier.channels.probes import telegram_me

    assert settings.bot_token is not None
    answer: str | DeliveryError
    try:
        answer = await telegram_me(
            settings.bot_token.get_secret_value(),
            api_base_url=settings.api_base_url,
            seconds=ctx.seconds,
        )
    except DeliveryError as error:
        answer = error
    return _result(ctx, "telegram", answer, "[telegram] api_base_url")
