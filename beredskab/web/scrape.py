"""One scrape of ``/metrics``: this process's counters and histograms, each component's health,
and the gauges read from the database now (queue per channel, its oldest message, the inbox
backlog).

The database is asked at most ``PROBE_SECONDS``: when it does not answer, the scrape still
succeeds, with ``beredskab_component_up{component="database"} 0`` and without the database
gauges (a missing series, not a wrong zero). The instance that leads (always the one on
SQLite) also looks at recent incidents' confirmations here (``milestones``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from beredskab.incident import milestones
from beredskab.observability.metrics import Metrics
from beredskab.runtime.health import error_reason
from beredskab.runtime.startup import DATABASE
from beredskab.storage.repositories.gauges import Backlog, QueueRow

if TYPE_CHECKING:
    from beredskab.services import Services

log = logging.getLogger(__name__)

PROBE_SECONDS = 2.0
"""The longest a scrape waits for the database."""


@dataclass(frozen=True)
class Snapshot:
    """What the database said, and when (its clock)."""

    now: datetime
    queue: list[QueueRow]
    backlog: Backlog


async def exposition(app: Services) -> bytes:
    """The Prometheus text format of everything ``/metrics`` shows."""
    snapshot = await _probe(app)
    families = [
        *families_of(app.metrics),
        *_health(app),
        *(_database(app, snapshot) if snapshot is not None else ()),
    ]
    try:
        spooled = await app.inbox.spool.acount()
    except Exception as error:  # a broken spool file: the scrape goes on without it
        log.debug("metrics: the spool could not be counted: %s", error)
    else:
        families.append(
            GaugeMetricFamily(
                "beredskab_inbound_spooled",
                "Inbound events held in the local spool while the database could not take them.",
                value=spooled,
            )
        )
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(families))
    return generate_latest(registry)


class _Families(Collector):
    """Metric families gathered for one scrape."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterator[Metric]:
        """The gathered families."""
        return iter(self._families)


async def _probe(app: Services) -> Snapshot | None:
    """Read the gauges (and, leading, the confirmation milestones); None when the database
    does not answer within ``PROBE_SECONDS`` (the health board says so)."""
    probe = asyncio.ensure_future(_read(app))
    done, _ = await asyncio.wait({probe}, timeout=PROBE_SECONDS)
    if not done:  # a hung server: give up now, let the read unwind in the background
        probe.cancel()
        probe.add_done_callback(lambda t: t.cancelled() or t.exception())
        app.board.set(DATABASE, "down", f"no answer within {PROBE_SECONDS:g} s")
        return None
    if (error := probe.exception()) is not None:
        app.board.set(DATABASE, "down", error_reason(error))
        return None
    app.board.set(DATABASE, "ok")
    return probe.result()


async def _read(app: Services) -> Snapshot:
    async with app.db.read() as tx:
        snapshot = Snapshot(tx.now, await tx.gauges.queue(), await tx.gauges.inbox_backlog())
        if app.db.dialect == "sqlite" or app.leadership.is_leader:
            await milestones.observe(tx, app.metrics)
    return snapshot


def families_of(metrics: Metrics) -> Iterator[Metric]:
    """The counters and histograms of this process as prometheus_client's families."""
    for count in metrics.counts():
        counter = CounterMetricFamily(count.name, count.help, labels=count.labels)
        for key, total in sorted(count.values.items()):
            counter.add_metric(key, total)
        yield counter
    for buckets in metrics.histograms():
        histogram = HistogramMetricFamily(buckets.name, buckets.help, labels=buckets.labels)
        for key, counts in sorted(buckets.counts.items()):
            running, cumulative = 0, list[tuple[str, float]]()
            for bound, n in zip((*buckets.bounds, float("inf")), counts, strict=True):
                running += n
                cumulative.append((_le(bound), float(running)))
            histogram.add_metric(key, cumulative, sum_value=buckets.sums[key])
        yield histogram


def _le(bound: float) -> str:
    """A bucket's upper bound as Prometheus writes it ("0.5", "300.0", "+Inf")."""
    return "+Inf" if bound == float("inf") else repr(float(bound))


def _health(app: Services) -> list[Metric]:
    up = GaugeMetricFamily(
        "beredskab_component_up",
        "1 while a component is ok, 0 while it is degraded or down (/healthz says why).",
        labels=["component"],
    )
    for name, status in sorted(app.board.snapshot().items()):
        up.add_metric([name], 1.0 if status.state == "ok" else 0.0)
    leader = GaugeMetricFamily(
        "beredskab_leader",
        "1 on the instance that runs the once-only work (the Telegram poller, milestones).",
        value=1.0 if app.db.dialect == "sqlite" or app.leadership.is_leader else 0.0,
    )
    return [up, leader]


def _database(app: Services, snapshot: Snapshot) -> list[Metric]:
    queued = GaugeMetricFamily(
        "beredskab_outbox_messages",
        "Messages in the outbox not yet handed to a provider, by channel and state (queued: "
        "waiting, perhaps for a retry; sending: leased by a worker).",
        labels=["channel", "state"],
    )
    oldest = GaugeMetricFamily(
        "beredskab_outbox_oldest_age_seconds",
        "Age of the oldest message queued or being sent, by channel (0 when none).",
        labels=["channel"],
    )
    counts = {(kind.value, state): 0 for kind in app.channels for state in ("queued", "sending")}
    ages = {kind.value: 0.0 for kind in app.channels}
    for row in snapshot.queue:
        counts[row.channel, row.status] = row.count
        age = max(0.0, (snapshot.now - row.oldest).total_seconds())
        ages[row.channel] = max(ages.get(row.channel, 0.0), age)
    for (channel, state), count in sorted(counts.items()):
        queued.add_metric([channel, state], float(count))
    for channel, age in sorted(ages.items()):
        oldest.add_metric([channel], age)
    backlog = snapshot.backlog
    pending = GaugeMetricFamily(
        "beredskab_inbox_backlog",
        "Inbound events stored and not yet applied.",
        value=float(backlog.count),
    )
    waited = GaugeMetricFamily(
        "beredskab_inbox_oldest_age_seconds",
        "Age of the oldest inbound event not yet applied (0 when none).",
        value=0.0
        if backlog.oldest is None
        else max(0.0, (snapshot.now - backlog.oldest).total_seconds()),
    )
    return [queued, oldest, pending, waited]
