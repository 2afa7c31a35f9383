"""GSM 03.38 (GSM-7) character set: septet counting, and the segments an SMS text needs in
GSM-7 or UCS-2 (what a phone receives in Danish, Somali, Arabic, Ukrainian …)."""

from __future__ import annotations

from dataclasses import dataclass

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


MULTIPART_SEPTETS = 153
"""Septets per part of a concatenated GSM-7 SMS (7 go to the concatenation header)."""
UCS2_UNITS = 70
"""UTF-16 code units in one single-part UCS-2 SMS."""
MULTIPART_UNITS = 67
"""UTF-16 code units per part of a concatenated UCS-2 SMS."""


@dataclass(frozen=True, slots=True)
class Segments:
    """How an SMS text travels: its encoding (``"GSM-7"`` or ``"UCS-2"``), its length in
    that encoding's units (septets, or UTF-16 code units) and the number of segments."""

    encoding: str
    units: int
    count: int

    @property
    def gsm(self) -> bool:
        """True if the text fits GSM-7 (with the extension table)."""
        return self.encoding == "GSM-7"


def _parts(sizes: list[int], single: int, part: int) -> int:
    """Segments for characters of ``sizes`` units: one if they fit ``single``, otherwise parts
    of ``part`` units that never split a character (an escape pair, a surrogate pair)."""
    if sum(sizes) <= single:
        return 1 if sizes else 0
    count, used = 1, 0
    for size in sizes:
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return count


def segments(text: str) -> Segments:
    """The encoding, length and segment count of ``text`` as one SMS.

    GSM-7 when every character is in the basic or extension table (extension characters
    take two septets: 160 in one segment, 153 per part); UCS-2 otherwise (70 code units in
    one segment, 67 per part; a character outside the Basic Multilingual Plane takes two).
    """
    if not non_gsm(text):
        sizes = [2 if ch in EXTENSION else 1 for ch in text]
        return Segments("GSM-7", sum(sizes), _parts(sizes, SEGMENT_SEPTETS, MULTIPART_SEPTETS))
    sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return Segments("UCS-2", sum(sizes), _parts(sizes, UCS2_UNITS, MULTIPART_UNITS))
