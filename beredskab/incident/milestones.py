"""Time to the first confirmation and to all confirmed, once per incident.

Observed at scrape time from the confirmation rows (the same definitions as ``beredskab
stats``: the first answer by someone other than the activator; every participant
confirmed), by the one instance that leads, so each incident counts once however many
instances run (a change of leader between two scrapes may count one twice), and nothing is
added to the path of an answer. An instance observes only
milestones reached since it started (a restart does not count an incident again); the
newest ``RECENT`` incidents are looked at, and one whose milestones are settled (observed, or
closed without them) is not read again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from beredskab.incident.statistics import _timings
from beredskab.models import IncidentStatus

if TYPE_CHECKING:
    from beredskab.observability.metrics import Metrics
    from beredskab.storage import Tx

RECENT = 20
"""Incidents looked at per scrape, newest first."""


async def observe(tx: Tx, metrics: Metrics) -> None:
    """Observe the milestones reached since the last look."""
    for incident in await tx.incidents.recent(limit=RECENT):
        if incident.id in metrics.settled:
            continue
        if incident.closed_at is not None and incident.closed_at < metrics.started_at:
            metrics.settled.add(incident.id)  # over before this instance started
            continue
        timings = await _timings(tx, incident)
        labels = (incident.playbook_id, "true" if incident.drill else "false")
        since = metrics.started_at - incident.created_at  # reached before: not ours to count
        first = timings.first_confirmation
        if first is not None and incident.id not in metrics.seen_first:
            metrics.seen_first.add(incident.id)
            if timedelta(seconds=first) >= since:
                metrics.first_confirmation.observe(labels, first)
        if timings.all_confirmed is not None:
            if timedelta(seconds=timings.all_confirmed) >= since:
                metrics.all_confirmed.observe(labels, timings.all_confirmed)
            metrics.settled.add(incident.id)
        elif incident.status is not IncidentStatus.ACTIVE:
            metrics.settled.add(incident.id)
