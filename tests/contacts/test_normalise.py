"""The directory's fast normalisation gives the libraries' answers, and its TOML parser reads
and rejects exactly what the standard library's does."""

from __future__ import annotations

import tomllib
from importlib.resources import files

import phonenumbers
import pytest
import tomli
from email_validator import EmailNotValidError, validate_email

from contacts.normalise import Normaliser, RegionRule, normalise_phone

PHONES = [
    "20 10 00 01",
    "+45 20 10 00 01",
    "+45 2010 0002",
    "+4520100003",
    "20100004",
    "0045 20 10 01 01",
    "4520100001",
    "12345678",
    "10000000",
    "99999999",
    "2010000",
    "201000011",
    "+45 20 10 00 0",
    "+46 70 123 45 67",
    "+1 415 555 2671",
    "+44 20 7946 0958",
    "70 20 30 40",
    "80 20 30 40",
    "90 20 30 40",
    "hello",
    "",
    "+45",
]


def _reference_email(text: str) -> str:
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        return f"error: {exc}"


def _fast_email(normaliser: Normaliser, text: str) -> str:
    try:
        return normaliser.email(text)
    except EmailNotValidError as exc:
        return f"error: {exc}"


@pytest.mark.parametrize("text", PHONES)
def test_phone_as_phonenumbers_says(text: str) -> None:
    assert Normaliser().phone(text) == normalise_phone(text)


def test_every_danish_number_range_as_phonenumbers_says() -> None:
    """A sweep over every leading digit pair and many tails, in the shapes the short way
    takes: its answers are the library's."""
    fast = Normaliser()
    for head in range(10, 100):
        for tail in (0, 1, 99_999, 123_456, 500_000, 999_999):
            digits = f"{head}{tail:06d}"
            spaced = " ".join(digits[i : i + 2] for i in range(0, 8, 2))
            for text in (digits, f"+45{digits}", f"+45 {spaced}", spaced):
                assert fast.phone(text) == normalise_phone(text), text


def test_danish_numbers_skip_parsing() -> None:
    fast = Normaliser()
    for i in range(1000):
        assert fast.phone(f"+45203{i:05d}") == f"+45203{i:05d}"
    assert fast.full_checks == 0
    assert fast.phone("+46 70 123 45 67") == "+46701234567"
    assert fast.full_checks == 1


def test_a_non_danish_region_takes_the_full_way() -> None:
    fast = Normaliser(region="SE")
    assert fast.phone("070-123 45 67") == normalise_phone("070-123 45 67", "SE")
    assert fast.phone("+4520100001") == "+4520100001"
    assert fast.full_checks == 2
    assert phonenumbers.is_valid_number(phonenumbers.parse("+46701234567"))


EMAILS = [
    "anna@example.org",
    "Anna@Example.org",
    "anna@EXAMPLE.ORG",
    "anna.b.c@example.org",
    "anna+tag@example.org",
    "o'neil@example.org",
    "a!#$%&'*+/=?^_`{|}~-@example.org",
    "Postmaster@example.org",
    "INFO@example.org",
    "support@example.org",
    "x" * 64 + "@example.org",
    "x" * 65 + "@example.org",
    "x" * 64 + "@" + "d" * 63 + "." + "e" * 63 + "." + "f" * 50 + ".org",
    "x" * 64 + "@" + "d" * 63 + "." + "e" * 63 + "." + "f" * 63 + ".org",
    ".anna@example.org",
    "anna.@example.org",
    "an..na@example.org",
    "an na@example.org",
    '"anna"@example.org',
    "anna@@example.org",
    "anna@exa mple.org",
    "anna@example",
    "anna@-example.org",
    "anna@example.invalid",
    "anna@localhost",
    "anna@xn--bcher-kva.example",
    "anna@bücher.example",
    "åse@example.org",
    "Anna <anna@example.org>",
    "anna@example.org ",
    "@example.org",
    "anna@",
    "anna",
    "",
]


def test_emails_as_email_validator_says_in_any_order() -> None:
    """Each address after every other (so a domain is known when it comes), both ways."""
    for order in (EMAILS, list(reversed(EMAILS))):
        fast = Normaliser()
        for text in order:
            assert _fast_email(fast, text) == _reference_email(text), text
        for text in order:  # again, with every domain now known
            assert _fast_email(fast, text) == _reference_email(text), text


def test_one_full_check_per_domain() -> None:
    fast = Normaliser()
    for i in range(1000):
        assert fast.email(f"Person.{i}@Example.ORG") == f"Person.{i}@example.org"
    assert fast.full_checks == 1
    with pytest.raises(EmailNotValidError, match="An email address cannot have two periods"):
        fast.email("a..b@Example.ORG")


BROKEN_TOML = [
    "a = [",
    "a = 1\na = 2",
    "a = {b = 1,}",
    "a = { b = 1,\n c = 2 }",
    'a = "\\e"',
    'a = "\\xff"',
    "a = 12:00",
    "a = 1979-05-27 07:32",
    "x = 0x_1",
    'name = "x\n',
    "[[people]]\nid = 'a'\n[people]\n",
    "a = 1 b = 2",
    "a. = 1",
    "é = 1",
]


@pytest.mark.parametrize("text", BROKEN_TOML)
def test_tomli_rejects_what_tomllib_rejects_with_its_message(text: str) -> None:
    with pytest.raises(tomllib.TOMLDecodeError) as expected:
        tomllib.loads(text)
    with pytest.raises(tomli.TOMLDecodeError) as got:
        tomli.loads(text)
    assert str(got.value) == str(expected.value)


def test_tomli_reads_the_bundled_files_as_tomllib_does() -> None:
    texts = [
        (files("contacts") / "examples" / "fredericia.toml").read_text(encoding="utf-8"),
        *(p.read_text(encoding="utf-8") for p in (files("playbooks") / "plans").iterdir()),
    ]
    for text in texts:
        assert tomli.loads(text) == tomllib.loads(text)


def _library_valid(country_code: int, national: str) -> bool:
    number = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))
    return bool(phonenumbers.is_valid_number(number))


@pytest.mark.parametrize("country_code", [45, 46, 49, 354])
def test_region_rule_is_the_library_validity_check(country_code: int) -> None:
    """Every three-digit head with tails of several lengths: the compiled rule (types with
    equal lengths joined into one pattern) answers as ``is_valid_number`` does."""
    rule = RegionRule.for_country(country_code)
    assert rule is not None
    checked = valid = 0
    for head in range(100, 1000):
        for tail in ("", "0", "00000", "12345", "999999", "1234567", "00000000"):
            national = f"{head}{tail}"
            expected = _library_valid(country_code, national)
            assert rule.valid(national) == expected, (country_code, national)
            checked, valid = checked + 1, valid + expected
    assert 0 < valid < checked  # both answers occur


def test_region_rule_only_for_a_country_code_of_one_region() -> None:
    assert RegionRule.for_country(1) is None  # NANPA: the library picks US, CA, … per number
    assert RegionRule.for_country(44) is None  # GB, GG, IM, JE
    assert RegionRule.for_country(47) is None  # NO, SJ
    assert RegionRule.for_country(999) is None
    assert RegionRule.for_country(45) is not None
