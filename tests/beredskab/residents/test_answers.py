"""The residents' SMS answers and the stop line exist in every resident language, with the
values filled in and the keywords a resident must send kept as they are."""

from __future__ import annotations

import pytest

from beredskab.residents import consent
from beredskab.sms import RESIDENT_LANGUAGES
from playbooks.gsm import segments


@pytest.mark.parametrize("language", RESIDENT_LANGUAGES)
def test_every_resident_language_has_its_own_answers(language: str) -> None:
    assert consent.answer_language(language) == language
    subscribed = consent.sms("subscribed", language, zone=3)
    assert "3" in subscribed and consent.VERSION in subscribed and "STOP" in subscribed
    assert "TILMELD" in consent.sms("stopped", language) or language == "en"
    assert "123456" in consent.sms("signup_code", language, code="123456", minutes=10)
    hint = consent.stop_hint(language)
    assert "STOP" in hint and hint == consent.STOP_HINT[language]
    assert segments(hint).count == 1


@pytest.mark.parametrize(("language", "encoding"), [("tr", "UCS-2"), ("so", "GSM-7")])
def test_the_encoding_follows_the_text(language: str, encoding: str) -> None:
    assert segments(consent.sms("stopped", language)).encoding == encoding


def test_a_language_without_texts_is_answered_in_english() -> None:
    assert consent.answer_language("ti") == "en"
    assert consent.stop_hint("ti") == consent.STOP_HINT["da"]
