"""JSON-lines logs: one object per line with time, level, logger, message and the incident
and delivery ids; and no phone number, email address or message body in an INFO log of a
real delivery (text or JSON)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import ClassVar, Literal

import pytest

from beredskab.delivery.outbox import Outbox
from beredskab.observability.logs import configure, handler, ids, log_context, redact
from beredskab.plan import Plan
from beredskab.settings import LoggingSettings
from notifier.base import Channel
from notifier.errors import TransientDeliveryError
from notifier.types import ChannelKind, Message, Receipt, Recipient
from tests.beredskab.helpers import activate_2, deliveries
from tests.beredskab.observability.support import build
from tests.conftest import TestClock

Form = Literal["text", "json"]
Level = Literal["debug", "info", "warning", "error"]


@contextmanager
def logging_to(stream: io.StringIO, form: Form, level: int = logging.INFO) -> Iterator[None]:
    """The service's handler on the root logger for the block."""
    made = handler(LoggingSettings(format=form), stream)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(made)
    root.setLevel(level)
    try:
        yield
    finally:
        root.removeHandler(made)
        root.setLevel(old_level)


def test_each_line_is_one_json_object_with_the_ids() -> None:
    stream = io.StringIO()
    log = logging.getLogger("beredskab.test")
    with logging_to(stream, "json"):
        log.info("plain line")
        with log_context(incident=7, delivery=42):
            log.warning("inside a send: %s", "retrying")
            with log_context(incident=8):
                log.info("nested")
        log.error("about a delivery", extra=ids(incident=3, delivery=9))
        try:
            raise ValueError("refused +4520100001 and kim@example.org")
        except ValueError:
            log.exception("failed for kim@example.org")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(x["level"], x["message"], x["incident"], x["delivery"]) for x in lines] == [
        ("INFO", "plain line", None, None),
        ("WARNING", "inside a send: retrying", 7, 42),
        ("INFO", "nested", 8, 42),
        ("ERROR", "about a delivery", 3, 9),
        ("ERROR", "failed for [redacted]", None, None),
    ]
    assert {x["logger"] for x in lines} == {"beredskab.test"}
    assert all(datetime.fromisoformat(x["time"]).utcoffset() is not None for x in lines)
    assert "ValueError: refused [redacted] and [redacted]" in lines[-1]["exception"]
    assert "exception" not in lines[0]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("to +4520100001 failed", "to [redacted] failed"),
        ("to +45 20 10 00 01 failed", "to [redacted] failed"),
        ("to 20100001", "to [redacted]"),
        (
            "GET /Messages.json?To=%2B4520100001&PageSize=20",
            "GET /Messages.json?To=[redacted]&PageSize=20",
        ),
        ("SMTP 550: kim-holm@example.org: no such user", "SMTP 550: [redacted]: no such user"),
        ("delivery 812 attempt 3 (code 21211)", "delivery 812 attempt 3 (code 21211)"),
        ("sid SM0123456789abcdef0123456789abcdef", "sid SM0123456789abcdef0123456789abcdef"),
        ("at 2026-12-02T01:12:03.114+00:00", "at 2026-12-02T01:12:03.114+00:00"),
    ],
)
def test_redact(text: str, masked: str) -> None:
    assert redact(text) == masked


class FlakySms:
    """An SMS provider that cannot be reached and says so, quoting the number."""

    name: ClassVar[str] = "flaky-sms"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset({ChannelKind.SMS})

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        """Always fail for now."""
        raise TransientDeliveryError(f"Twilio 503 (code 20500): try again for {recipient.address}")

    async def aclose(self) -> None:
        """Nothing to close."""


@pytest.mark.parametrize("form", ["json", "text"])
async def test_a_delivery_logs_no_number_address_or_body(
    form: Form,
    clock: TestClock,
    plan: Plan,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = await build(f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3", clock, plan, tmp_path)
    flaky: Channel = FlakySms()
    app.outbox = Outbox(
        db=app.db,
        channels={**app.channels, ChannelKind.SMS: flaky},
        settings=app.settings.outbox,
        metrics=app.metrics,
    )
    stream = io.StringIO()
    try:
        with logging_to(stream, form), caplog.at_level(logging.INFO):
            nr = await activate_2(app.db, plan)
            await app.outbox.drain()  # email delivered, every SMS retried later
            rows = await deliveries(app.db, nr)
    finally:
        await app.aclose()
    output = stream.getvalue()
    assert "attempt 1" in output and "[redacted]" in output  # the retries were logged
    records = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    secrets = set()
    for person in plan.directory.people:
        secrets |= {person.phone or "", person.email or "", (person.phone or "")[3:]}
    secrets |= {row.text[:60] for row in rows} | {row.short_text[:60] for row in rows}
    secrets.discard("")
    assert rows and secrets
    for secret in secrets:
        assert secret not in output, secret
        assert not any(secret in message for message in records), secret
    if form == "json":
        lines = [json.loads(line) for line in output.splitlines()]
        retried = [x for x in lines if "attempt 1" in x["message"]]
        assert retried and all(x["incident"] == nr and x["delivery"] for x in retried)


@pytest.mark.parametrize(
    ("level", "verbose", "root", "twilio"),
    [
        ("warning", False, logging.WARNING, logging.WARNING),
        ("warning", True, logging.INFO, logging.WARNING),
        ("debug", False, logging.DEBUG, logging.DEBUG),
    ],
)
def test_configure_replaces_the_handlers_and_quiets_request_logs(
    level: Level, verbose: bool, root: int, twilio: int
) -> None:
    logger = logging.getLogger()
    saved = (list(logger.handlers), logger.level, logging.getLogger("twilio").level)
    stream = io.StringIO()
    try:
        made = configure(
            LoggingSettings(format="json", level=level), verbose=verbose, stream=stream
        )
        assert logger.handlers == [made]
        assert (logger.level, logging.getLogger("twilio").level) == (root, twilio)
        logging.getLogger("twilio.http_client").info("Query Params: {'To': '+4520100001'}")
        logging.getLogger("beredskab.test").warning("shown")
    finally:
        for handler_ in list(logger.handlers):
            logger.removeHandler(handler_)
        for handler_ in saved[0]:
            logger.addHandler(handler_)
        logger.setLevel(saved[1])
        logging.getLogger("twilio").setLevel(saved[2])
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [x["message"] for x in lines][-1] == "shown"
    assert all("4520100001" not in x["message"] for x in lines)
