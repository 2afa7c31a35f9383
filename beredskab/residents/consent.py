"""The consent texts and the short SMS answers to residents, per language and version.

The texts live in the ``residents`` catalog domain
(``beredskab/locale/<language>/LC_MESSAGES/residents.po``), in every resident language:
Danish and English, and Arabic, Somali, Turkish, Urdu and Ukrainian, which were written for
this service and carry the translator comment "needs native review" until a native speaker
has checked them.

``VERSION`` names the consent texts in force (the full text of the sign-up page and the
"subscribed" SMS, which says what is stored, in every language); it is stored with every
subscription. Change it whenever a consent text changes (the old subscriptions keep the
version they agreed to); ``tests/beredskab/residents/test_answers.py`` holds the digest of
the texts of each version and fails when a text changes under an old version.

- 2026-12-01: the full text in Danish and English, the SMS answers in the seven languages.
- 2026-12-02: the full text also in Arabic, Somali, Turkish, Urdu and Ukrainian (the same
  meaning; the Danish and English texts are unchanged).

A resident language without its own answers is answered in English (``FALLBACK``); the stop
line and the full text fall back to Danish.
"""

from __future__ import annotations

from beredskab.catalog.texts import Texts

texts = Texts("residents")
"""The residents' texts: SMS answers, the stop line, the consent and the sign-up pages."""

VERSION = "2026-12-02"
"""The consent texts in force (stored with each subscription)."""

FALLBACK = "en"
"""The answer language for a resident language without its own texts."""

ANSWERS = texts.mark("subscribed", "stopped", "not_subscribed", "signup_code")
"""The short SMS answers to a resident (``sms(key, …)``)."""
CONSENT_KEYS = ("consent", "subscribed")
"""The texts a resident consents to (the full text on the page, the SMS on subscribing)."""


def stop_hint(language: str) -> str:
    """The line every resident message ends with, how to stop, in the resident's language
    (Danish for a language without one; README: Residents)."""
    return texts("stop_hint", language)


def answer_language(language: str) -> str:
    """The language a resident is answered in: theirs if its texts exist, else English."""
    return language if texts.has("subscribed", language) else FALLBACK


def sms(key: str, language: str, **values: object) -> str:
    """One short SMS answer (``ANSWERS``) to a resident in their language (or the fallback)."""
    if key not in ANSWERS:
        raise KeyError(f"no resident answer {key!r}")
    return texts(key, answer_language(language), version=VERSION, **values)


def full(language: str) -> str:
    """The full consent text shown on the sign-up page (version ``VERSION``), in
    ``language`` (Danish for a language without it)."""
    return texts("consent", language)
