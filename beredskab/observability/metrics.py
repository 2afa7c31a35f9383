"""The counters and histograms of what happened in this process (README: Metrics and logs).

One ``Metrics`` per service (built with the app: no global state). The few places that record
an outcome add to it after their transaction committed: the outbox's recorder once per group
of outcomes, the inbox per applied event, the timer loop per fired timer. Adding is a dict
update; prometheus_client is imported only when ``/metrics`` is scraped (``observability.
scrape`` turns these into its metric families), so a command that builds the app does not
load it. The gauges that describe the database (queue, inbox backlog) and the components'
health are read at scrape time instead.

Each instance counts only its own work; Prometheus sums the instances (``sum by (channel,
outcome) (rate(beredskab_deliveries_total[5m]))``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

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


def outcome_label(kind: str, status: str, attempts: int, max_attempts: int) -> str:
    """The ``outcome`` label of a recorded send: "sent" or "delivered" (the provider's
    answer), "retry", "failed" (permanent, or the last attempt), "expired", "released"."""
    if kind == "sent":
        return "delivered" if status == "delivered" else "sent"
    if kind == "retry":
        return "retry" if attempts < max_attempts else "failed"
    return {"fail": "failed", "expire": "expired", "release": "released"}.get(kind, kind)


Labels = tuple[str, ...]


@dataclass
class Count:
    """A counter family: a value per label set (exposed as ``<name>_total``)."""

    name: str
    help: str
    labels: Labels
    values: dict[Labels, float] = field(default_factory=dict)

    def add(self, key: Labels, amount: float = 1.0) -> None:
        """Add ``amount`` to the series ``key``."""
        self.values[key] = self.values.get(key, 0.0) + amount


@dataclass
class Buckets:
    """A histogram family: per label set, the count of observations in each bucket (the
    last is +Inf; not cumulative here) and their sum."""

    name: str
    help: str
    labels: Labels
    bounds: tuple[float, ...]
    counts: dict[Labels, list[int]] = field(default_factory=dict)
    sums: dict[Labels, float] = field(default_factory=dict)

    def observe(self, key: Labels, value: float) -> None:
        """Count ``value`` (clamped at 0) in its bucket: the first bound at or above it."""
        value = max(0.0, value)
        counts = self.counts.get(key)
        if counts is None:
            counts = self.counts[key] = [0] * (len(self.bounds) + 1)
        counts[bisect_left(self.bounds, value)] += 1
        self.sums[key] = self.sums.get(key, 0.0) + value


class Metrics:
    """This process's counters and histograms."""

    def __init__(self) -> None:
        self.started_at = datetime.now(UTC)
        """Confirmation milestones reached before this are not observed (``milestones``);
        ``App.start`` sets it from the database clock."""
        self.deliveries = Count(
            "beredskab_deliveries",
            "Send outcomes recorded by this instance's outbox, by channel and outcome "
            "(sent, delivered, retry, failed, expired, released).",
            ("channel", "outcome"),
        )
        self.provider_errors = Count(
            "beredskab_provider_errors",
            "Failed sends (retried or final) and failed delivery receipts, by channel and "
            "the provider's error code.",
            ("channel", "code"),
        )
        self.receipts = Count(
            "beredskab_delivery_receipts",
            "Delivery receipts from providers (Twilio status callbacks) that moved a message "
            "on, by channel and new status.",
            ("channel", "status"),
        )
        self.inbound_applied = Buckets(
            "beredskab_inbound_apply_latency_seconds",
            "From storing an inbound event to applying it, by source.",
            ("source",),
            LATENCY_BUCKETS,
        )
        self.timer_lateness = Buckets(
            "beredskab_timer_lateness_seconds",
            "How late a due timer fired (database clock), by timer kind.",
            ("kind",),
            LATENESS_BUCKETS,
        )
        self.first_confirmation = Buckets(
            "beredskab_incident_first_confirmation_seconds",
            "Per incident: from activation to the first confirmation by someone other than "
            "the activator.",
            ("playbook", "drill"),
            CONFIRMATION_BUCKETS,
        )
        self.all_confirmed = Buckets(
            "beredskab_incident_all_confirmed_seconds",
            "Per incident: from activation until every participant had confirmed.",
            ("playbook", "drill"),
            CONFIRMATION_BUCKETS,
        )
        self.settled: set[int] = set()
        """Incidents whose confirmation milestones are observed (or never will be)."""
        self.seen_first: set[int] = set()
        """Incidents whose first confirmation is observed."""

    def counts(self) -> list[Count]:
        """Every counter family."""
        return [self.deliveries, self.provider_errors, self.receipts]

    def histograms(self) -> list[Buckets]:
        """Every histogram family."""
        return [
            self.inbound_applied,
            self.timer_lateness,
            self.first_confirmation,
            self.all_confirmed,
        ]

    def outcomes(self, outcomes: Iterable[tuple[str, str, str | None]]) -> None:
        """Count a committed group of send outcomes: (channel, outcome, error or None); the
        error of a retry or a failure also counts under its code."""
        for channel, outcome, error in outcomes:
            self.deliveries.add((channel, outcome))
            if outcome in ("retry", "failed") and error is not None:
                self.provider_errors.add((channel, error_code(error)))

    def receipt(self, channel: str, status: str, error_code: str) -> None:
        """A provider's delivery receipt moved a message on (delivered, failed); a failure's
        error code (Twilio's ErrorCode: 30003 unreachable, …) counts as a provider error."""
        self.receipts.add((channel, status))
        if error_code:
            self.provider_errors.add((channel, error_code if error_code.isdigit() else "other"))

    def applied(self, source: str, seconds: float) -> None:
        """An inbound event was applied ``seconds`` after it was stored."""
        self.inbound_applied.observe((source,), seconds)

    def timer_fired(self, kind: str, late_seconds: float) -> None:
        """A timer fired ``late_seconds`` after it was due."""
        self.timer_lateness.observe((kind,), late_seconds)
