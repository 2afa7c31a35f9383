"""Retention: closed incidents, the audit log and raw inbound messages are deleted when they
pass their age (``[privacy]``), by a job the service runs every hour (``App.privacy_round``;
the leader only).

A closed incident goes as a whole, with its situation log: each incident's log is a chain of
its own (``situation_log``), so the others still verify, and a purge row remains that
``beredskab log verify NR`` reports. Every run that removes something is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from beredskab.security import audit
from beredskab.settings import PrivacySettings
from beredskab.storage import Database
from beredskab.storage.repositories.privacy import RETENTION

ACTOR = "system"
CHANNEL = "retention"
BATCH = 20
"""Incidents deleted per transaction (short write transactions)."""


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """What one run removed."""

    incidents: tuple[int, ...]
    audit_rows: int
    inbound: int
    messages: int

    @property
    def summary(self) -> str:
        """One line for the audit log and the CLI."""
        return (
            f"{len(self.incidents)} incidents removed, {self.audit_rows} audit rows, "
            f"{self.inbound} inbound messages, {self.messages} messages outside incidents"
        )


async def run(*, db: Database, settings: PrivacySettings) -> RetentionResult:
    """Delete what is past its retention; audit each kind that removed something."""
    removed: list[int] = []
    while True:
        async with db.transaction() as tx:
            cutoff = tx.now - timedelta(days=settings.retention_days)
            found = await tx.privacy.closed_before(cutoff, limit=BATCH)
            for incident_id, closed_at in found:
                await tx.privacy.purge_incident(
                    incident_id, closed_at=closed_at, now=tx.now, reason=RETENTION
                )
            if found:
                await audit.record(
                    tx,
                    actor=ACTOR,
                    action="privacy.retention",
                    channel=CHANNEL,
                    detail=f"{len(found)} incidents removed (closed before "
                    f"{cutoff.date().isoformat()}, retention {settings.retention_days} days): "
                    + ", ".join(str(i) for i, _ in found),
                )
        removed += [i for i, _ in found]
        if len(found) < BATCH:
            break
    async with db.transaction() as tx:
        cutoff = tx.now - timedelta(days=settings.audit_retention_days)
        audit_rows = await tx.privacy.delete_audit_before(cutoff)
        if audit_rows:
            await audit.record(
                tx,
                actor=ACTOR,
                action="privacy.audit_retention",
                channel=CHANNEL,
                detail=f"{audit_rows} audit rows removed (older than "
                f"{settings.audit_retention_days} days)",
            )
    async with db.transaction() as tx:
        cutoff = tx.now - timedelta(days=settings.inbox_retention_days)
        inbound = await tx.privacy.delete_inbound_before(cutoff)
        messages = await tx.privacy.delete_loose_deliveries_before(cutoff)
        if inbound or messages:
            await audit.record(
                tx,
                actor=ACTOR,
                action="privacy.inbox_retention",
                channel=CHANNEL,
                detail=f"{inbound} inbound messages and {messages} messages outside incidents "
                f"removed (older than {settings.inbox_retention_days} days)",
            )
    return RetentionResult(tuple(removed), audit_rows, inbound, messages)
