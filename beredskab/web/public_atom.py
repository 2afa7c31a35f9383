"""The public notice page's Atom 1.0 feed (RFC 4287), built with the standard library."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from beredskab.storage.repositories.notices import Notice
from beredskab.web.texts import text

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EMPTY_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)
"""The ``updated`` of a feed that never had an entry (Atom requires one)."""
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot carry (a stored text may hold them); left out of the feed."""


def _withdrawn() -> str:
    return text("info_withdrawn", "da")


def stamp(value: datetime) -> str:
    """An RFC 3339 time in UTC, as Atom wants it."""
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _add(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attrs)
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def withdrawn_text(notice: Notice, when: str) -> str:
    """What a withdrawn notice says instead of its text."""
    note = f" {notice.withdrawn_note}" if notice.withdrawn_note else ""
    return f"{_withdrawn()} {when}.{note}"


def feed(
    entries: list[Notice],
    *,
    base: str,
    title: str,
    author: str,
    updated: datetime | None,
    when: dict[int, str],
) -> bytes:
    """The feed document: ``entries`` newest first, ``when`` the Danish time shown for each
    withdrawal (by notice id)."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: "da"})
    _add(root, "id", f"{base}/info")
    _add(root, "title", title)
    _add(root, "updated", stamp(updated or EMPTY_UPDATED))
    _add(root, "link", rel="self", type="application/atom+xml", href=f"{base}/info/feed.atom")
    _add(root, "link", rel="alternate", type="text/html", href=f"{base}/info")
    _add(_add(root, "author"), "name", author)
    for notice in entries:
        entry = _add(root, "entry")
        _add(entry, "id", f"{base}/info#m{notice.id}")
        if notice.withdrawn_at is not None:
            _add(entry, "title", f"{_withdrawn()}: {notice.title}")
            content = withdrawn_text(notice, when.get(notice.id, ""))
        else:
            _add(entry, "title", notice.title)
            content = notice.text
        _add(entry, "published", stamp(notice.published_at))
        _add(entry, "updated", stamp(notice.updated_at))
        _add(entry, "link", rel="alternate", type="text/html", href=f"{base}/info#m{notice.id}")
        _add(entry, "content", content, type="text")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body
