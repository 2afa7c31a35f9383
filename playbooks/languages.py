"""Languages a template can be translated into, and the fingerprint of the Danish text a
translation was made from.

Codes are ISO 639 (two letters where one exists). The table holds the languages spoken by
larger groups in Denmark; a plan naming a code that is not here gets a clear error from
``plan check`` (add the language here, with its names and writing direction, to support it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

DANISH = "da"
"""The language every template is written in first; the others are translated from it."""


@dataclass(frozen=True, slots=True)
class Language:
    """A language: its code, its name in Danish, in English and in itself, and whether its
    script runs right to left."""

    code: str
    da: str
    en: str
    native: str
    rtl: bool = False


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("da", "dansk", "Danish", "dansk"),
        Language("en", "engelsk", "English", "English"),
        Language("ar", "arabisk", "Arabic", "العربية", rtl=True),
        Language("so", "somali", "Somali", "Soomaali"),
        Language("tr", "tyrkisk", "Turkish", "Türkçe"),
        Language("ur", "urdu", "Urdu", "اردو", rtl=True),
        Language("uk", "ukrainsk", "Ukrainian", "українська"),
        Language("fa", "persisk", "Persian", "فارسی", rtl=True),
        Language("ps", "pashto", "Pashto", "پښتو", rtl=True),
        Language("ckb", "sorani (kurdisk)", "Central Kurdish", "کوردیی ناوەندی", rtl=True),
        Language("kmr", "kurmanji (kurdisk)", "Kurmanji Kurdish", "Kurmancî"),
        Language("ti", "tigrinya", "Tigrinya", "ትግርኛ"),
        Language("am", "amharisk", "Amharic", "አማርኛ"),
        Language("he", "hebraisk", "Hebrew", "עברית", rtl=True),
        Language("pl", "polsk", "Polish", "polski"),
        Language("ro", "rumænsk", "Romanian", "română"),
        Language("lt", "litauisk", "Lithuanian", "lietuvių"),
        Language("bg", "bulgarsk", "Bulgarian", "български"),
        Language("ru", "russisk", "Russian", "русский"),
        Language("bs", "bosnisk", "Bosnian", "bosanski"),
        Language("sr", "serbisk", "Serbian", "српски"),
        Language("hr", "kroatisk", "Croatian", "hrvatski"),
        Language("sq", "albansk", "Albanian", "shqip"),
        Language("de", "tysk", "German", "Deutsch"),
        Language("fr", "fransk", "French", "français"),
        Language("es", "spansk", "Spanish", "español"),
        Language("pt", "portugisisk", "Portuguese", "português"),
        Language("vi", "vietnamesisk", "Vietnamese", "Tiếng Việt"),
        Language("th", "thai", "Thai", "ไทย"),
        Language("tl", "tagalog", "Tagalog", "Tagalog"),
        Language("ta", "tamil", "Tamil", "தமிழ்"),
        Language("zh", "kinesisk", "Chinese", "中文"),
        Language("kl", "grønlandsk", "Greenlandic", "kalaallisut"),
        Language("fo", "færøsk", "Faroese", "føroyskt"),
    )
}
"""The languages the service knows, by code."""


def known(code: str) -> bool:
    """True if ``code`` is a language the service knows."""
    return code in LANGUAGES


def is_rtl(code: str) -> bool:
    """True if the language's script runs right to left (``dir="rtl"`` on pages)."""
    found = LANGUAGES.get(code)
    return found is not None and found.rtl


def fingerprint(*parts: str) -> str:
    """A short, stable fingerprint of a Danish text (its parts in order): a translation
    records the fingerprint of the Danish text it was made from, so an edit of the Danish
    text shows every translation as older."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:12]
