"""Look up and fill a text of one catalog domain: ``t = Texts("sms")``, then
``t("activated", "en", nr=3)``.

Reads the compiled ``.mo`` files with the standard library (no Babel at run time), once per
domain and language. A key missing in Danish or English is a programming error (``KeyError``;
the catalog test finds it before a user does); a key missing in another language falls back
to Danish, the house language.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

from beredskab.catalog.fill import fill

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
"""``<language>/LC_MESSAGES/<domain>.po`` (the source) and ``.mo`` (what is read)."""

HOUSE_LANGUAGE = "da"


class _Catalog(gettext.GNUTranslations):
    """A compiled catalog whose lookups fail loudly instead of echoing the key."""

    def entries(self) -> dict[str, str]:
        catalog: dict[str, str] = self._catalog  # type: ignore[attr-defined]
        return catalog


@cache
def _entries(domain: str, language: str) -> dict[str, str]:
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.mo"
    if not path.exists():
        return {}
    with path.open("rb") as file:
        return {key: value for key, value in _Catalog(file).entries().items() if key}


class Texts:
    """The texts of one domain; ``also`` is a domain to look in for keys this one lacks."""

    def __init__(self, domain: str, *, also: Texts | None = None) -> None:
        self.domain = domain
        self._domains: tuple[str, ...] = (domain, *(also._domains if also else ()))
        """This domain, then the ones it falls back to, in order."""

    def raw(self, key: str, language: str = HOUSE_LANGUAGE) -> str:
        """The unfilled text of ``key`` in ``language`` (Danish where that language lacks it)."""
        for domain in self._domains:
            found = _entries(domain, language).get(key)
            if found is None and language != HOUSE_LANGUAGE and language != "en":
                found = _entries(domain, HOUSE_LANGUAGE).get(key)
            if found is not None:
                return found
        raise KeyError(f"no text {key!r} in the {self.domain!r} catalog ({language})")

    def __call__(self, key: str, language: str = HOUSE_LANGUAGE, /, **values: object) -> str:
        """The text of ``key`` in ``language`` with ``{placeholders}`` filled in."""
        return fill(self.raw(key, language), **values)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and any(
            key in _entries(domain, HOUSE_LANGUAGE) for domain in self._domains
        )

    def has(self, key: str, language: str) -> bool:
        """Whether ``language`` itself (not the Danish fallback) has ``key``."""
        return key in _entries(self.domain, language)

    @staticmethod
    def mark(*keys: str) -> tuple[str, ...]:
        """Name keys that are looked up with a computed key, so extraction finds them."""
        return keys
