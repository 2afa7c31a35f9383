"""GSM 03.38 (GSM-7) character set: septet counting for one-segment SMS checks."""

from __future__ import annotations

SEGMENT_SEPTETS = 160
"""Septets in one single-part GSM-7 SMS."""

BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""Characters of the basic table: one septet each."""

EXTENSION = frozenset("\f^{}\\[~]|€")
"""Characters of the extension table: two septets each (escape + character)."""


def septets(text: str) -> int:
    """Septets needed for ``text`` in GSM-7 (characters outside GSM-7 count as one)."""
    return sum(2 if ch in EXTENSION else 1 for ch in text)


def non_gsm(text: str) -> list[str]:
    """The distinct characters of ``text`` that GSM-7 cannot encode, in order of appearance."""
    seen: list[str] = []
    for ch in text:
        if ch not in BASIC and ch not in EXTENSION and ch not in seen:
            seen.append(ch)
    return seen
