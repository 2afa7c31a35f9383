"""Residents: subscriptions to resident messages with consent (by SMS or the public sign-up
page), stopping at once, and who may see the numbers.

A resident is not a directory person: only the number (E.164), zone, language, consent text
version and time, subscribed/stopped times and the channel of subscribing are stored.
"""

from beredskab.residents.choices import LANGUAGES, ZONES
from beredskab.residents.subscriptions import (
    active,
    counts,
    numbers,
    still_subscribed,
)

__all__ = ["LANGUAGES", "ZONES", "active", "counts", "numbers", "still_subscribed"]
