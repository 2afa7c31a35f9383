"""The counters and histograms of what happened in this process (README: Metrics and logs).

One ``Metrics`` per service (built with the app, its own registry: no global state). The few
places that record an outcome add to it after their transaction committed: the outbox's
recorder once per group of outcomes, the inbox per applied event, the timer loop per fired
timer. The gauges that describe the database (queue, inbox backlog) and the components'
health are read at scrape time instead (``observability.scrape``).

Each instance counts only its own work; Prometheus sums the instances (``sum by (channel,
outcome) (rate(beredskab_deliveries_total[5m]))``).
"""

from __future__ import annotations

import re
from collections import Counter as Tally
from collections.abc import Iterable
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram

LATENCY_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
LATENESS_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
CONFIRMATION_BUCKETS = (30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0)

_CODES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Twilio \d{3} \(code (\d+)\)"), r"\1"),
    (re.compile(r"Twilio (\d{3}) \(code"), r"\1"),
    (re.compile(r"SMTP (\d{3})\b"), r"\1"),
    (re.compile(r"SMTP login refused \((\d{3})\)"), r"\1"),
    (re.compile(r"Telegram flood control"), "429"),
    (re.compile(r"Telegram refused"), "403"),
    (re.compile(r"Telegram rejected the bot token"), "401"),
    (re.compile(r"Telegram rejected the message"), "400"),
    (re.compile(r"Telegram chat moved"), "chat-moved"),
    (re.compile(r"certificate|TLS failed"), "tls"),
    (re.compile(r"timed out|no answer within|TimeoutError"), "timeout"),
    (re.compile(r"unreachable"), "unreachable"),
    (re.compile(r"UnknownOutcomeError|connection lost|may have been received"), "unknown-outcome"),
)


def error_code(error: str | None) -> str:
    """A provider's error as a short code for a label: Twilio's error code (21211), the SMTP
    reply code (550), Telegram's HTTP status (403), else the kind of failure (timeout,
    unreachable, tls, unknown-outcome) or "other"; a bounded set, never the text."""
    text = error or ""
    for pattern, code in _CODES:
        match = pattern.search(text)
        if match is not None:
            return match.expand(code)
    return "other"


class Metrics:
    """This process's counters and histograms, in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.started_at = datetime.now(UTC)
        """Confirmation milestones reached before this are not observed (``scrape``)."""
        reg = self.registry
        self.deliveries = Counter(
            "beredskab_deliveries",
            "Send outcomes recorded by this instance's outbox, by channel and outcome "
            "(sent, delivered, retry, failed, expired, released).",
            ["channel", "outcome"],
            registry=reg,
        )
        self.provider_errors = Counter(
            "beredskab_provider_errors",
            "Failed sends (retried or final) and failed delivery receipts, by channel and "
            "the provider's error code.",
            ["channel", "code"],
            registry=reg,
        )
        self.receipts = Counter(
            "beredskab_delivery_receipts",
            "Delivery receipts from providers (Twilio status callbacks) that moved a message "
            "on, by channel and new status (sent, delivered, failed).",
            ["channel", "status"],
            registry=reg,
        )
        self.inbound_applied = Histogram(
            "beredskab_inbound_apply_latency_seconds",
            "From storing an inbound event to applying it, by source.",
            ["source"],
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self.timer_lateness = Histogram(
            "beredskab_timer_lateness_seconds",
            "How late a due timer fired (database clock), by timer kind.",
            ["kind"],
            buckets=LATENESS_BUCKETS,
            registry=reg,
        )
        self.first_confirmation = Histogram(
            "beredskab_incident_first_confirmation_seconds",
            "Per incident: from activation to the first confirmation by someone other than "
            "the activator.",
            ["playbook", "drill"],
            buckets=CONFIRMATION_BUCKETS,
            registry=reg,
        )
        self.all_confirmed = Histogram(
            "beredskab_incident_all_confirmed_seconds",
            "Per incident: from activation until every participant had confirmed.",
            ["playbook", "drill"],
            buckets=CONFIRMATION_BUCKETS,
            registry=reg,
        )
        self.settled: set[int] = set()
        """Incidents whose confirmation milestones are observed (or will never be)."""
        self.seen_first: set[int] = set()

    def outcomes(self, outcomes: Iterable[tuple[str, str, str | None]]) -> None:
        """Count a committed group of send outcomes: (channel, outcome, error or None); an
        error of a retry or a failure also counts under its code."""
        counts: Tally[tuple[str, str]] = Tally()
        errors: Tally[tuple[str, str]] = Tally()
        for channel, outcome, error in outcomes:
            counts[channel, outcome] += 1
            if outcome in ("retry", "failed") and error is not None:
                errors[channel, error_code(error)] += 1
        for (channel, outcome), n in counts.items():
            self.deliveries.labels(channel, outcome).inc(n)
        for (channel, code), n in errors.items():
            self.provider_errors.labels(channel, code).inc(n)

    def receipt(self, channel: str, status: str, error_code: str) -> None:
        """A provider's delivery receipt moved a message on (delivered, failed); a failure's
        error code (Twilio's ErrorCode: 30003 unreachable, …) counts as a provider error."""
        self.receipts.labels(channel, status).inc()
        if error_code:
            self.provider_errors.labels(channel, error_code if error_code.isdigit() else "other").inc()

    def applied(self, source: str, seconds: float) -> None:
        """An inbound event was applied ``seconds`` after it was stored."""
        self.inbound_applied.labels(source).observe(max(0.0, seconds))

    def timer_fired(self, kind: str, late_seconds: float) -> None:
        """A timer fired ``late_seconds`` after it was due."""
        self.timer_lateness.labels(kind).observe(max(0.0, late_seconds))


def outcome_label(kind: str, status: str, attempts: int, max_attempts: int) -> str:
    """The ``outcome`` label of a recorded send: "sent" or "delivered" (the provider's
    answer), "retry", "failed" (permanent, or the last attempt), "expired", "released"."""
    if kind == "sent":
        return "delivered" if status == "delivered" else "sent"
    if kind == "retry":
        return "retry" if attempts < max_attempts else "failed"
    return {"fail": "failed", "expire": "expired", "release": "released"}.get(kind, kind)
