"""The SMS command replies, in Danish and English: one short SMS each (GSM-7, ≤ 160 chars),
in the ``sms`` catalog domain (``beredskab/locale``)."""

from __future__ import annotations

from beredskab.catalog.texts import Texts

text = Texts("sms")
"""The reply ``key`` in a language, with values filled in: ``text("acked", "en", nr=4)``."""
