"""The words of crisis communication (situation-log entries, audiences, the all-clear):
``texts("log.sent", nr=3, …)``, Danish unless a language is given."""

from __future__ import annotations

from beredskab.catalog.texts import Texts

texts = Texts("communications")
