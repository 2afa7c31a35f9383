"""The one clock (Danish local time, the date unless it is today) and the default language of
people whose directory entry names none."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from beredskab.i18n import Language, clock
from beredskab.plan import Plan, with_default_language


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "now", "language", "shown"),
    [
        # winter (CET, UTC+1)
        (utc(2026, 11, 30, 13, 5), utc(2026, 11, 30, 20, 0), "da", "14:05"),
        (utc(2026, 11, 30, 13, 5), utc(2026, 11, 30, 20, 0), "en", "14:05"),
        (utc(2026, 11, 30, 22, 58), utc(2026, 12, 1, 9, 0), "da", "30.11. 23:58"),
        (utc(2026, 11, 30, 22, 58), utc(2026, 12, 1, 9, 0), "en", "30 Nov 23:58"),
        # 23:30 UTC on 30 November is already 1 December in Copenhagen: today, no date
        (utc(2026, 11, 30, 23, 30), utc(2026, 12, 1, 9, 0), "da", "00:30"),
        # summer (CEST, UTC+2): the same UTC hour shows an hour later
        (utc(2026, 7, 1, 12, 5), utc(2026, 7, 1, 12, 6), "da", "14:05"),
        (utc(2026, 7, 1, 22, 30), utc(2026, 7, 1, 21, 0), "da", "02.07. 00:30"),
        # the night the clocks go back (25 October 2026): 00:30 UTC is 02:30 CEST,
        # 01:30 UTC is 02:30 CET
        (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 12, 0), "da", "02:30"),
        (utc(2026, 10, 25, 1, 30), utc(2026, 10, 25, 12, 0), "da", "02:30"),
        (utc(2026, 10, 25, 2, 30), utc(2026, 10, 25, 12, 0), "da", "03:30"),
        # another year carries the year
        (utc(2025, 12, 31, 22, 0), utc(2026, 1, 2, 9, 0), "da", "31.12.2025 23:00"),
        (utc(2025, 12, 31, 22, 0), utc(2026, 1, 2, 9, 0), "en", "31 Dec 2025 23:00"),
        (utc(2026, 1, 1, 8, 0), utc(2026, 1, 1, 9, 0), "en", "09:00"),
        # no "now": a text read later always has the full date
        (utc(2026, 11, 30, 13, 5), None, "da", "30.11.2026 14:05"),
        (utc(2026, 3, 3, 13, 5), None, "en", "3 Mar 2026 14:05"),
    ],
)
def test_clock(value: datetime, now: datetime | None, language: Language, shown: str) -> None:
    assert clock(value, now=now, language=language) == shown


def test_clock_with_seconds() -> None:
    now = utc(2026, 11, 30, 20, 0)
    assert clock(utc(2026, 11, 30, 13, 5, 9), now=now, seconds=True) == "14:05:09"
    assert clock(utc(2026, 11, 29, 13, 5, 9), now=now, seconds=True) == "29.11. 14:05:09"


def test_the_default_language_reaches_only_people_without_one(plan: Plan) -> None:
    named = {p.id for p in plan.directory.people if "language" in p.model_fields_set}
    assert named, "the example directory names a language for someone"
    english = with_default_language(plan, "en")
    for person in english.directory.people:
        original = plan.directory.person(person.id)
        assert original is not None
        expected = original.language if person.id in named else "en"
        assert person.language == expected, person.id
        assert english.directory.by_phone(person.phone or "") in (None, person)
    assert english.version == plan.version and english.playbooks is plan.playbooks
    assert with_default_language(plan, "da") is plan
