"""SMS segments per language: GSM-7 (with the extension table) or UCS-2."""

from __future__ import annotations

import pytest

from notifier.channels.sms import sms_segments
from playbooks.gsm import segments

ARABIC = "وقع حادث في الحي. اعتنوا ببعضكم"
UKRAINIAN = "Стався інцидент. Дбайте одне про одного"
SOMALI = "Xafiiska Aagga: Dhacdo ayaa ka dhacday. Is daryeela, hana faafinina warar."


@pytest.mark.parametrize(
    ("text", "encoding", "units", "count"),
    [
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("Æblegrød på Østerbro, 100 kr.", "GSM-7", 29, 1),
        # extension characters take two septets, and never straddle two parts
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        ("{[~]}" * 32, "GSM-7", 320, 3),
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),
        # Somali is written in Latin letters and the apostrophe: GSM-7
        (SOMALI, "GSM-7", len(SOMALI), 1),
        ("mas'uuliyiinta " * 11, "GSM-7", 165, 2),
        # Turkish: Ç and Ö and Ü are GSM-7, but ç, ş, ğ, ı are not
        ("ÇÖÜ Merhaba", "GSM-7", 11, 1),
        ("Söylenti", "GSM-7", 8, 1),
        ("Söylenti yaymayın", "UCS-2", 17, 1),
        ("çok", "UCS-2", 3, 1),
        # Arabic, Urdu, Ukrainian: UCS-2, 70 units in one segment, 67 per part
        (ARABIC, "UCS-2", len(ARABIC), 1),
        ("ع" * 70, "UCS-2", 70, 1),
        ("ع" * 71, "UCS-2", 71, 2),
        ("ع" * 134, "UCS-2", 134, 2),
        ("ع" * 135, "UCS-2", 135, 3),
        ("ہ" * 71, "UCS-2", 71, 2),
        (UKRAINIAN, "UCS-2", len(UKRAINIAN), 1),
        (UKRAINIAN * 2, "UCS-2", 2 * len(UKRAINIAN), 2),
        # one non-GSM character moves a Danish text to UCS-2
        ("Hændelse i zone 2 – mere følger", "UCS-2", 31, 1),
        # outside the BMP: two units each, a pair never split
        ("😀" * 35, "UCS-2", 70, 1),
        ("😀" * 36, "UCS-2", 72, 2),
        ("a" + "😀" * 34, "UCS-2", 69, 1),
        ("a" * 66 + "😀" + "a" * 66, "UCS-2", 134, 3),
    ],
)
def test_segments(text: str, encoding: str, units: int, count: int) -> None:
    found = segments(text)
    assert (found.encoding, found.units, found.count) == (encoding, units, count)
    assert found.gsm is (encoding == "GSM-7")
    # the SMS channel (in notifier, which playbooks may not import) counts the same
    assert sms_segments(text) == count


def test_an_empty_text_needs_no_segment() -> None:
    assert (segments("").encoding, segments("").count) == ("GSM-7", 0)
