"""Words on the incident page, Danish (default) and English."""

from __future__ import annotations

from beredskab.i18n import Language

TEXTS: dict[str, dict[Language, str]] = {}
