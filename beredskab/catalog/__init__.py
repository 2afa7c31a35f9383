"""Every human text the service says (SMS, email, Telegram, web, CLI, errors) and where it
comes from: gettext catalogs under ``beredskab/locale/<language>/LC_MESSAGES/<domain>.po``,
managed with Babel (``python -m beredskab.catalog.tools``), compiled to ``.mo`` files that the
running service reads with the standard library alone.

A domain is one interface or area (``service``, ``sms``, ``bot``, ``web`` …); a message id is
a short key (``activated``), or for ``errors`` the English template itself. Danish and English
are complete in every domain; the residents' further languages fall back to Danish.
"""
