"""Credential checks against each provider, for an operator's "does this work?" (`doctor`).

Each probe asks the provider something harmless with the configured credentials: Twilio's
account resource (through the twilio library), an SMTP connection with login (through
aiosmtplib, as the email channel connects), Telegram's ``getMe`` (through aiogram). Nothing
is sent to anyone. Each returns a short description of what answered, or raises
``PermanentDeliveryError`` (the provider refused: credentials, certificate) or
``TransientDeliveryError`` (unreachable, no answer within ``seconds``).
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import aiosmtplib
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from notifier.channels.email import SmtpConfig, map_connect_error, tls_context_for
from notifier.channels.sms import map_twilio_error
from notifier.channels.telegram import TelegramChannel
from notifier.channels.telegram_models import import_aiogram
from notifier.channels.twilio_http import TwilioHttpClient
from notifier.errors import PermanentDeliveryError, TransientDeliveryError

ACTIVE = "active"


async def twilio_account(
    *, account_sid: str, auth_token: str, api_base_url: str | None, seconds: float
) -> str:
    """Fetch the account: ``"<friendly name> (active)"``; a suspended or closed account is
    refused like a wrong token."""
    http = TwilioHttpClient(base_url=api_base_url)
    client = Client(account_sid, auth_token, http_client=http)
    try:
        async with asyncio.timeout(seconds):
            account = await client.api.v2010.accounts(account_sid).fetch_async()
    except TwilioRestException as error:
        raise map_twilio_error(error) from error
    except TimeoutError as error:
        raise TransientDeliveryError(f"Twilio did not answer within {seconds:g} s") from error
    except (aiohttp.ClientError, OSError, ValueError, TwilioException) as error:
        raise TransientDeliveryError(f"Twilio unreachable: {error}") from error
    finally:
        await http.close()
    status = str(account.status or "")
    if status != ACTIVE:
        raise PermanentDeliveryError(f"the Twilio account is {status or 'not active'}")
    return f"{account.friendly_name} ({status})"


async def smtp_login(config: SmtpConfig, *, seconds: float) -> str:
    """Connect (with TLS as configured) and log in when credentials are set; QUIT."""
    try:
        context = None if config.security == "none" else tls_context_for(config)
    except (OSError, ValueError) as error:  # an unreadable or invalid ca_file
        raise PermanentDeliveryError(f"SMTP ca_file cannot be used: {error}") from error
    smtp = aiosmtplib.SMTP(
        hostname=config.host,
        port=config.port,
        username=config.username,
        password=config.password,
        use_tls=config.security == "tls",
        start_tls=config.security == "starttls",
        validate_certs=True,
        tls_context=context,
        timeout=seconds,
    )
    try:
        async with asyncio.timeout(seconds):
            await smtp.connect()
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await smtp.quit()  # logged in already; a rude goodbye changes nothing
    except TimeoutError as error:
        raise TransientDeliveryError(f"SMTP server did not answer within {seconds:g} s") from error
    except (aiosmtplib.SMTPException, OSError, EOFError) as error:
        raise map_connect_error(error) from error
    finally:
        smtp.close()
    login = f" as {config.username}" if config.username else " (no login configured)"
    return f"{config.host}:{config.port} {config.security}{login}"


async def telegram_me(token: str, *, api_base_url: str | None, seconds: float) -> str:
    """``getMe`` through aiogram (the channel's own ``Bot``): ``"@<bot username>"``."""
    import_aiogram()
    from aiogram.exceptions import (
        AiogramError,
        TelegramAPIError,
        TelegramNetworkError,
        TelegramRetryAfter,
        TelegramServerError,
    )
    from aiogram.utils.token import TokenValidationError

    channel = TelegramChannel.from_token(token, api_base_url=api_base_url, timeout=seconds)
    try:
        try:
            bot = channel.bot
        except TokenValidationError as error:
            raise PermanentDeliveryError(f"the bot token is malformed: {error}") from error
        try:
            async with asyncio.timeout(seconds):
                me = await bot.get_me()
        except TimeoutError as error:
            raise TransientDeliveryError(f"Telegram did not answer within {seconds:g} s") from error
        except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter) as error:
            raise TransientDeliveryError(f"Telegram unreachable: {error}") from error
        except TelegramAPIError as error:
            raise PermanentDeliveryError(f"Telegram refused the bot token: {error}") from error
        except (AiogramError, aiohttp.ClientError, OSError) as error:
            raise TransientDeliveryError(f"Telegram unreachable: {error}") from error
    finally:
        await channel.aclose()
    return f"@{me.username}" if me.username else str(me.id)
