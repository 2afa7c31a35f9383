"""What the command line says, in Danish and English: the ``cli`` catalog domain
(``beredskab/locale``); texts shared with the other interfaces come from ``beredskab.i18n``."""

from __future__ import annotations

from beredskab.catalog.texts import Texts
from beredskab.i18n import t

text = Texts("cli", also=t)
"""The command-line text ``key`` (or the shared service text): ``text("pin_set", "en", …)``."""
