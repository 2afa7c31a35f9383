"""What the startup line, `doctor` and `test-message` say, in Danish and English: the
``operations`` catalog domain (``beredskab/locale``).

Provider answers and error reasons stay as the provider or the error gave them.
"""

from __future__ import annotations

from beredskab.catalog.texts import Texts

say = Texts("operations")
"""The text ``key`` in a language, with values filled in: ``say("ready", "en", …)``."""
