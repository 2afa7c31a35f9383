"""The process's counters: provider errors by code (from the channels' own error texts),
outcome labels, and histogram buckets as Prometheus reads them."""

from __future__ import annotations

import aiosmtplib
import pytest
from twilio.base.exceptions import TwilioRestException

from beredskab.observability.metrics import Metrics, error_code, outcome_label
from beredskab.web.scrape import families_of
from notifier.channels.email import map_connect_error, map_send_error
from notifier.channels.sms import map_transport_error, map_twilio_error
from notifier.channels.telegram import map_failure
from notifier.errors import UnknownOutcomeError


def _text(error: Exception, retried: bool = False) -> str:
    """The row's error as the outbox records it (a retry carries the type's name)."""
    return f"{type(error).__name__}: {error}" if retried else str(error)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (_text(map_twilio_error(TwilioRestException(400, "/Messages", "bad To", 21211))), "21211"),
        (_text(map_twilio_error(TwilioRestException(429, "/M", "slow", 20429)), True), "20429"),
        (_text(map_transport_error(ConnectionResetError("reset")), True), "unknown-outcome"),
        (
            _text(
                map_send_error(
                    aiosmtplib.SMTPRecipientsRefused(
                        [aiosmtplib.SMTPRecipientRefused(550, "no such user", "kim@example.org")]
                    )
                )
            ),
            "550",
        ),
        (_text(map_connect_error(aiosmtplib.SMTPAuthenticationError(535, "no"))), "535"),
        (_text(map_connect_error(OSError("refused")), True), "unreachable"),
        (_text(map_failure(403, {"description": "Forbidden: bot was blocked by the user"})), "403"),
        (
            _text(map_failure(429, {"description": "x", "parameters": {"retry_after": 3}}), True),
            "429",
        ),
        (_text(map_failure(400, {"description": "Bad Request: chat not found"})), "400"),
        (_text(UnknownOutcomeError("no answer within 18s"), True), "timeout"),
        ("no channel for voice", "other"),
        (None, "other"),
    ],
)
def test_error_codes(error: str | None, code: str) -> None:
    assert error_code(error) == code


@pytest.mark.parametrize(
    ("kind", "status", "attempts", "label"),
    [
        ("sent", "sent", 1, "sent"),
        ("sent", "delivered", 1, "delivered"),
        ("retry", "sent", 2, "retry"),
        ("retry", "sent", 6, "failed"),
        ("fail", "sent", 1, "failed"),
        ("expire", "sent", 1, "expired"),
        ("release", "sent", 1, "released"),
    ],
)
def test_outcome_labels(kind: str, status: str, attempts: int, label: str) -> None:
    assert outcome_label(kind, status, attempts, 6) == label


def test_a_group_of_outcomes_is_counted_once_each() -> None:
    metrics = Metrics()
    metrics.outcomes(
        [
            ("sms", "failed", "Twilio 400 (code 21211): bad"),
            ("sms", "failed", "Twilio 400 (code 21211): bad"),
            ("sms", "retry", "TransientDeliveryError: Twilio unreachable: x"),
            ("email", "delivered", None),
        ]
    )
    assert metrics.deliveries.values == {
        ("sms", "failed"): 2,
        ("sms", "retry"): 1,
        ("email", "delivered"): 1,
    }
    assert metrics.provider_errors.values == {("sms", "21211"): 2, ("sms", "unreachable"): 1}


def test_histogram_buckets_are_cumulative_with_inclusive_bounds() -> None:
    metrics = Metrics()
    for seconds in (0.1, 0.5, 0.7, 5000.0, -1.0):  # -1: a clock step back counts as 0
        metrics.timer_fired("sweep", seconds)
    (family,) = [f for f in families_of(metrics) if f.name == "beredskab_timer_lateness_seconds"]
    buckets = {s.labels["le"]: s.value for s in family.samples if s.name.endswith("_bucket")}
    assert buckets["0.1"] == 2  # 0 and 0.1 (a bound includes itself)
    assert buckets["0.5"] == 3
    assert buckets["1.0"] == 4
    assert buckets["3600.0"] == 4
    assert buckets["+Inf"] == 5
    totals = {s.name: s.value for s in family.samples if not s.name.endswith("_bucket")}
    assert totals == {
        "beredskab_timer_lateness_seconds_count": 5,
        "beredskab_timer_lateness_seconds_sum": pytest.approx(5001.3),
    }
