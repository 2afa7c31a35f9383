"""Words on the web pages, Danish (default) and English: the ``web`` catalog domain
(``beredskab/locale/<language>/LC_MESSAGES/web.po``).

Templates look them up with ``tr("key", …)`` (``session.page`` binds the viewer's language);
the catalog check reads the templates' literal keys too. The directory editor's keys start
with ``dir_``, the plan page's with ``plan_``, the sign-off and verification page's with
``prep_``, the acknowledgement link pages' with ``ack_``.
"""

from __future__ import annotations

from beredskab.catalog.texts import Texts

text = Texts("web")
"""``text("key", language, **values)``: a page text with its placeholders filled in."""
