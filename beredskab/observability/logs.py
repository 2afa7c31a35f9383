"""Logs: plain text or JSON lines, the incident and delivery a line is about, and no phone
numbers or email addresses in any line.

The ids come from context variables set where the work is known (a send sets its delivery
and incident, a timer its incident: ``log_context``), or from a call's ``extra`` (``ids``).
Every handler ``configure`` installs masks phone numbers and email addresses in the message
and traceback (``redact``): an error text from a provider may quote the recipient. Message
bodies are never logged by the service's own calls (checked by a test).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from beredskab.settings import LoggingSettings

_incident: ContextVar[int | None] = ContextVar("beredskab_incident", default=None)
_delivery: ContextVar[int | None] = ContextVar("beredskab_delivery", default=None)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+%])(?:\+|%2[Bb])?\d(?: ?\d){7,19}(?!\w)")
"""A phone number: 8 to 20 digits (single spaces allowed between them), with or without a
leading + (or %2B in a URL), not part of a word (a Twilio SID, a hex token)."""
QUIET = ("twilio",)
"""Libraries that log every request at info (Twilio: its URL and query, which may name a
number): warnings only, unless the level is debug."""
MASK = "[redacted]"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}
LEVELS["error"] = logging.ERROR


def redact(text: str) -> str:
    """``text`` with phone numbers and email addresses masked."""
    if not any(c.isdigit() or c == "@" for c in text):
        return text
    return _PHONE.sub(MASK, _EMAIL.sub(MASK, text))


@contextmanager
def log_context(*, incident: int | None = None, delivery: int | None = None) -> Iterator[None]:
    """Log lines written inside name this incident and delivery (unless given as None)."""
    tokens = []
    if incident is not None:
        tokens.append((_incident, _incident.set(incident)))
    if delivery is not None:
        tokens.append((_delivery, _delivery.set(delivery)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def bind(*, incident: int | None, delivery: int | None = None) -> None:
    """Name this incident and delivery in the current task's log lines until it ends: for a
    task of its own (one send), whose context copy ends with it."""
    _incident.set(incident)
    _delivery.set(delivery)


def ids(*, incident: int | None = None, delivery: int | None = None) -> dict[str, Any]:
    """``extra=`` for one log call about this incident and delivery."""
    return {"incident_id": incident, "delivery_id": delivery}


def _current(record: logging.LogRecord, name: str, var: ContextVar[int | None]) -> int | None:
    value = getattr(record, name, None)
    return value if isinstance(value, int) else var.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, incident and
    delivery (null when unknown), and the traceback as ``exception`` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON, redacted."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "incident": _current(record, "incident_id", _incident),
            "delivery": _current(record, "delivery_id", _delivery),
        }
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = redact(record.exc_text)
        return json.dumps(line, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(where)s: %(message)s"
"""The text format's line (a logging format, not a message for people)."""


class TextFormatter(logging.Formatter):
    """``LEVEL logger [incident N delivery M]: message``, redacted."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        """The record as text, with where it belongs and masked personal data."""
        incident = _current(record, "incident_id", _incident)
        delivery = _current(record, "delivery_id", _delivery)
        where = "".join(
            f" {name} {value}"
            for name, value in (("incident", incident), ("delivery", delivery))
            if value is not None
        )
        record.__dict__["where"] = f" [{where.strip()}]" if where else ""
        return redact(super().format(record))


def handler(settings: LoggingSettings, stream: TextIO | None = None) -> logging.Handler:
    """A handler writing ``settings.format`` to ``stream`` (stderr)."""
    made = logging.StreamHandler(stream or sys.stderr)
    made.setFormatter(JsonFormatter() if settings.format == "json" else TextFormatter())
    return made


def configure(
    settings: LoggingSettings, *, verbose: bool = False, stream: TextIO | None = None
) -> logging.Handler:
    """Replace the root logger's handlers with one ``handler``; ``verbose`` lowers the level
    to info. Returns the handler."""
    made = handler(settings, stream)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(made)
    level = min(LEVELS[settings.level], logging.INFO) if verbose else LEVELS[settings.level]
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(level if level <= logging.DEBUG else logging.WARNING)
    return made
