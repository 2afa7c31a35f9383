"""Phone numbers to E.164 and email addresses to their normalised form, fast for a big file.

``phonenumbers`` and ``email_validator`` cost about 0.05 ms per value, the bulk of loading a
20,000-person directory. A ``Normaliser`` gives the same answers with less work: a Danish
number in a plain shape skips parsing, and its validity is checked against the library's own
patterns for Denmark, compiled once (``RegionRule``); an ordinary
address (a dot-atom before the @-sign) is checked in full only for the first address of its
domain; later addresses of that domain reuse the domain's result. Anything else, and every
value that may be wrong, goes through the libraries, so results and messages are the same
as theirs (tests/contacts/test_normalise.py compares the two on many values).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from email_validator import validate_email
from email_validator.rfc_constants import (
    CASE_INSENSITIVE_MAILBOX_NAMES,
    EMAIL_MAX_LENGTH,
    LOCAL_PART_MAX_LENGTH,
)

DEFAULT_REGION = "DK"

_DK_PLAIN = re.compile(r"(?:\+45 ?)?([1-9]\d)(?: ?(\d\d))(?: ?(\d\d))(?: ?(\d\d))")
"""A Danish number as 8 digits (pairs may be spaced), optionally after +45."""
_ATEXT = r"a-zA-Z0-9_!#$%&'*+\-/=?^`{|}~"
_DOT_ATOM = re.compile(f"[{_ATEXT}]+(?:\\.[{_ATEXT}]+)*")
"""An ASCII dot-atom: what ``email_validator`` accepts before the @-sign without change."""
_MAILBOX_NAMES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


def normalise_phone(text: str, region: str = DEFAULT_REGION) -> str | None:
    """``text`` as an E.164 number (fictional example: ``+4520100001``), or None if invalid."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_TYPE_DESCS = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)
"""The number types ``phonenumbers`` tries in ``_number_type_helper``; a number is valid when
it matches the general description and one of these (the order only picks the type)."""


@dataclass(frozen=True, slots=True)
class RegionRule:
    """``phonenumbers.is_valid_number`` for one region's national numbers, from the
    library's metadata compiled once instead of looked up per number.

    The library calls a number valid when it matches the general description and one of the
    number types, each a pattern that must match the whole number plus, when given, a set
    of possible lengths (``_number_type_helper``, ``_is_number_matching_desc``). Types with
    the same lengths are joined into one alternation: a full match of ``a|b`` is a full
    match of ``a`` or of ``b``.
    """

    general: tuple[re.Pattern[str], frozenset[int]]
    types: tuple[tuple[re.Pattern[str], frozenset[int]], ...]

    @classmethod
    def for_country(cls, country_code: int) -> RegionRule | None:
        """The rule of the one region with ``country_code``; None if the code is shared by
        several regions (the library then picks the region per number) or unknown."""
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())
        if len(regions) != 1:
            return None
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(regions[0])
        general = _desc(metadata.general_desc) if metadata is not None else None
        if metadata is None or general is None:
            return None
        by_lengths: dict[frozenset[int], list[str]] = {}
        for name in _TYPE_DESCS:
            found = _desc(getattr(metadata, name, None))
            if found is not None:
                by_lengths.setdefault(found[1], []).append(found[0])
        types = tuple(
            (re.compile("|".join(f"(?:{p})" for p in patterns)), lengths)
            for lengths, patterns in by_lengths.items()
        )
        return cls(general=(re.compile(general[0]), general[1]), types=types)

    def valid(self, national: str) -> bool:
        """Whether the national significant number ``national`` (digits only) is valid."""
        pattern, lengths = self.general
        if (lengths and len(national) not in lengths) or not pattern.fullmatch(national):
            return False
        for pattern, lengths in self.types:
            if (not lengths or len(national) in lengths) and pattern.fullmatch(national):
                return True
        return False


def _desc(desc: phonenumbers.PhoneNumberDesc | None) -> tuple[str, frozenset[int]] | None:
    """(pattern, possible lengths) of a description; None for one the library never matches
    (no pattern)."""
    if desc is None or not desc.national_number_pattern:
        return None
    return desc.national_number_pattern, frozenset(desc.possible_length or ())


class Normaliser:
    """Normalises the phones and emails of one file; remembers the domains it has checked."""

    def __init__(self, region: str = DEFAULT_REGION) -> None:
        self.region = region
        self._dk = RegionRule.for_country(45) if region == "DK" else None
        self._domains: dict[str, str] = {}
        """Domain as written -> its normalised form, for domains of accepted addresses."""
        self.full_checks = 0
        """How many values went through the libraries (the rest took the short way)."""

    def phone(self, text: str) -> str | None:
        """Like ``normalise_phone``."""
        if self._dk is not None and (match := _DK_PLAIN.fullmatch(text)):
            digits = "".join(match.groups())
            if self._dk.valid(digits):
                return f"+45{digits}"
        self.full_checks += 1
        return normalise_phone(text, self.region)

    def email(self, text: str) -> str:
        """Like ``validate_email(text, check_deliverability=False).normalized``; raises
        ``EmailNotValidError`` with the library's message when the address is not valid."""
        local, at, domain = text.partition("@")
        simple = (
            at == "@"
            and "@" not in domain
            and len(local) <= LOCAL_PART_MAX_LENGTH
            and _DOT_ATOM.fullmatch(local) is not None
            and local.lower() not in _MAILBOX_NAMES
        )
        if simple and (known := self._domains.get(domain)) is not None:
            normalised = f"{local}@{known}"
            if max(len(text), len(normalised)) <= EMAIL_MAX_LENGTH:  # ASCII: chars are bytes
                return normalised
        self.full_checks += 1
        result = validate_email(text, check_deliverability=False)
        if simple and result.ascii_domain == result.domain:
            self._domains[domain] = result.domain
        return result.normalized
