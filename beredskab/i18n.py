"""Texts the service says to people, in Danish (default) and English, and the one clock:
every time shown to a person is Danish local time (see ``clock``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from beredskab.catalog.fill import fill as fill
from beredskab.catalog.fill import plural as plural
from beredskab.catalog.texts import Texts

Language = Literal["da", "en"]
LANGUAGES: tuple[Language, ...] = ("da", "en")
LOCAL_TZ = ZoneInfo("Europe/Copenhagen")
"""Every time shown to a person is in this zone (stored times are UTC)."""

t = Texts("service")
"""The texts every interface shares (SMS, Telegram, web, CLI): ``t("activated", "en", …)``."""

_STATUS_KEYS = t.mark(
    "status.pending",
    "status.active",
    "status.done",
    "status.skipped",
    "status.assigned",
    "status.accepted",
    "status.declined",
    "status.cancelled",
    "status.confirmed",
    "status.closed",
)


def status(value: str, language: Language = "da") -> str:
    """A status value (step, task, confirmation, incident) in words."""
    key = f"status.{value}"
    return t(key, language) if key in _STATUS_KEYS else value


def fact_word(fact: str, language: Language = "da") -> str:
    """The name of an incident fact (``zone``, ``police_case``, ``description``) in words."""
    t.mark("fact_zone", "fact_police_case", "fact_description")
    return t(f"fact_{fact}", language)


def language(value: object, default: Language = "da") -> Language:
    """``value`` if it names a language we speak, else ``default``."""
    return "en" if value == "en" else "da" if value == "da" else default


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def clock(
    value: datetime, *, now: datetime | None, language: Language = "da", seconds: bool = False
) -> str:
    """A moment as people read it: Danish local time, with the date when it is not today.

    Today (in Copenhagen, as of ``now``) it is "14:05"; another day of the same year
    "30.11. 23:58" (Danish) or "30 Nov 23:58" (English); another year adds the year
    ("30.11.2025 23:58", "30 Nov 2025 23:58"). ``now=None`` always shows the full date, for
    texts read later (a stand-down message, a stored log line). ``seconds`` adds ":SS".
    """
    local = value.astimezone(LOCAL_TZ)
    time = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    today = now.astimezone(LOCAL_TZ).date() if now is not None else None
    if today == local.date():
        return time
    year = today is None or today.year != local.year
    if language == "en":
        day = f"{local.day} {_MONTHS_EN[local.month - 1]}" + (f" {local.year}" if year else "")
    else:
        day = f"{local.day:02}.{local.month:02}." + (f"{local.year}" if year else "")
    return f"{day} {time}"
