"""Phone numbers to E.164 and email addresses to their normalised form, fast for a big file.

``phonenumbers`` and ``email_validator`` cost about 0.05 ms per value, the bulk of loading a
20,000-person directory. A ``Normaliser`` gives the same answers with less work: a Danish
number in a plain shape skips parsing (only the validity check runs), and an ordinary
address (a dot-atom before the @-sign) is checked in full only for the first address of its
domain; later addresses of that domain reuse the domain's result. Anything else, and every
value that may be wrong, goes through the libraries, so results and messages are the same
as theirs (tests/contacts/test_normalise.py compares the two on many values).
"""

from __future__ import annotations

import re

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


class Normaliser:
    """Normalises the phones and emails of one file; remembers the domains it has checked."""

    def __init__(self, region: str = DEFAULT_REGION) -> None:
        self.region = region
        self._domains: dict[str, str] = {}
        """Domain as written -> its normalised form, for domains of accepted addresses."""
        self.full_checks = 0
        """How many values went through the libraries (the rest took the short way)."""

    def phone(self, text: str) -> str | None:
        """Like ``normalise_phone``."""
        if self.region == "DK" and (match := _DK_PLAIN.fullmatch(text)):
            digits = "".join(match.groups())
            number = phonenumbers.PhoneNumber(country_code=45, national_number=int(digits))
            if phonenumbers.is_valid_number(number):
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
