"""What a resident may choose when subscribing: a zone of the district and a language."""

from __future__ import annotations

ZONES = (1, 2, 3, 4)
"""The zones of the district a resident can subscribe to."""
LANGUAGES = ("da", "en", "ar", "so", "tr", "ur", "uk")
"""Resident languages (the codes of the resident template variants); Danish is the default."""
