"""Resident SMS commands: ``TILMELD <zone> [sprog]`` and ``STOP`` / ``AFMELD``, from any
number (residents are not in the directory), answered in the resident's language.

Twilio's Advanced Opt-Out (messaging services and long codes) handles STOP itself: it
answers, blocks further messages to the number and forwards the message with
``OptOutType=STOP``. Such a message stops the subscription whatever its body says, and gets
no answer from us (Twilio has answered, and would refuse ours with error 21610).
"""

from __future__ import annotations

import re

from beredskab.delivery import replies
from beredskab.inbound import sms
from beredskab.residents import consent, subscriptions
from beredskab.storage import Database

TWILIO_STOP = "STOP"
"""``OptOutType`` of an opt-out message forwarded by Twilio."""
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
"""A resident's number: E.164 (not a WhatsApp address, a short code or a sender name)."""


def twilio_stop(opt_out: str) -> bool:
    """True for an opt-out message forwarded by Twilio (``OptOutType=STOP``)."""
    return opt_out.strip().upper() == TWILIO_STOP


def accepts(command: sms.Command, *, phone: str, opt_out: str = "") -> bool:
    """True for the commands a number outside the directory may send (from E.164 numbers)."""
    if E164.fullmatch(phone) is None:
        return False
    if twilio_stop(opt_out):
        return True
    return isinstance(command, sms.Subscribe | sms.Unsubscribe) or (
        isinstance(command, sms.Malformed) and command.keyword == "TILMELD"
    )


async def handle(
    *,
    db: Database,
    phone: str,
    command: sms.Command,
    opt_out: str = "",
    passive_per_hour: int = 10,
) -> str:
    """Subscribe or stop ``phone`` and queue the answer in the same transaction; returns the
    outcome for the inbox. The answers are passive (limited per number, like help)."""
    forwarded_stop = twilio_stop(opt_out)
    async with db.transaction() as tx:
        known = await tx.residents.latest(phone)
        language = known.language if known is not None else subscriptions.DEFAULT_LANGUAGE
        if forwarded_stop or isinstance(command, sms.Unsubscribe):
            stopped = await subscriptions.stop(tx, phone=phone)
            outcome = "resident: stopped" if stopped else "resident: stop, not subscribed"
            if forwarded_stop:
                return outcome + " (Twilio opt-out; Twilio answered)"
            text = consent.sms("stopped" if stopped else "not_subscribed", language)
        elif isinstance(command, sms.Subscribe):
            added = await subscriptions.subscribe(
                tx,
                phone=phone,
                zone=command.zone,
                language=command.language,
                channel=subscriptions.SMS,
            )
            again = " again" if known is not None else ""
            outcome = f"resident: subscribed{again} zone {added.zone} {added.language}"
            text = consent.sms("subscribed", added.language, zone=added.zone)
        elif isinstance(command, sms.Malformed):
            outcome = f"resident: malformed {command.keyword}"
            # the usage exists in Danish and English: English for every other language
            text = command.message if language == "da" else command.message_en
        else:
            raise AssertionError(f"not a resident command: {command!r}")
        sent = await replies.sms_reply(
            tx, to=phone, text=text, passive=True, passive_per_hour=passive_per_hour
        )
    return outcome if sent else f"{outcome} (reply suppressed: passive limit)"
