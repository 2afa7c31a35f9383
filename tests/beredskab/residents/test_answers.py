"""The residents' SMS answers, the stop line and the full consent text exist in every resident
language, with the values filled in and the keywords a resident must send kept as they are;
a changed consent text comes with a new consent version."""

from __future__ import annotations

import hashlib

import pytest

from beredskab.inbound.sms import RESIDENT_LANGUAGES
from beredskab.residents import consent
from beredskab.web.residents import SIGNUP_KEYS
from playbooks.gsm import segments


@pytest.mark.parametrize("language", RESIDENT_LANGUAGES)
def test_every_resident_language_has_its_own_answers(language: str) -> None:
    assert consent.answer_language(language) == language
    subscribed = consent.sms("subscribed", language, zone=3)
    assert "3" in subscribed and consent.VERSION in subscribed and "STOP" in subscribed
    assert "TILMELD" in consent.sms("stopped", language) or language == "en"
    assert "123456" in consent.sms("signup_code", language, code="123456", minutes=10)
    hint = consent.stop_hint(language)
    assert "STOP" in hint and consent.texts.has("stop_hint", language)
    assert segments(hint).count == 1
    assert consent.texts.has("consent", language) and "STOP" in consent.full(language)
    assert [key for key in SIGNUP_KEYS if not consent.texts.has(key, language)] == []


@pytest.mark.parametrize(("language", "encoding"), [("tr", "UCS-2"), ("so", "GSM-7")])
def test_the_encoding_follows_the_text(language: str, encoding: str) -> None:
    assert segments(consent.sms("stopped", language)).encoding == encoding


def test_a_language_without_texts_is_answered_in_english() -> None:
    assert consent.answer_language("ti") == "en"
    assert consent.stop_hint("ti") == consent.stop_hint("da")
    assert consent.full("ti") == consent.full("da")


DIGESTS = {
    "2026-12-02": "fc75c67c8707e33852139f3d4a3d81174b367e901ab9562e18940b43c40b3a6f",
}
"""The digest of the consent texts of each version (``consent.VERSION``), every language."""


def _digest() -> str:
    digest = hashlib.sha256()
    for key in consent.CONSENT_KEYS:
        for language in sorted(RESIDENT_LANGUAGES):
            digest.update(f"{key}|{language}|{consent.texts.raw(key, language)}\n".encode())
    return digest.hexdigest()


def test_a_changed_consent_text_has_a_new_version() -> None:
    """Residents agreed to the texts of their stored version: changing a text (in any
    language) needs a new ``consent.VERSION`` and its digest here."""
    assert DIGESTS.get(consent.VERSION) == _digest(), (
        "a consent text changed: give consent.VERSION a new date (README: Residents) and "
        f"record {consent.VERSION!r}: {_digest()!r} in DIGESTS"
    )
