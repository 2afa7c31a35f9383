"""What the Telegram bot itself says, in Danish (default) and English: the ``bot`` catalog
(``beredskab/locale/<language>/LC_MESSAGES/bot.po``).

``t("unbound", language)`` is a text of the bot as a whole; a module's own dialogue texts
carry its name (``chief.give_who``, ``picture.saved``), the command menu is ``menu.<command>``.
Texts the bot shares with SMS, web and CLI (``logged``, ``closed``, ``activated`` …) are in the
``service`` catalog (``beredskab.i18n.t``).
"""

from __future__ import annotations

from beredskab.catalog.texts import Texts

t = Texts("bot")
"""The bot's texts: ``t("help", language)``, ``t("no_such_incident", language, nr=3)``."""
