"""The audit trail: who did or tried what, through which channel. Append-only."""

from __future__ import annotations

from beredskab.storage import Database, Tx


async def record(
    tx: Tx,
    *,
    actor: str,
    action: str,
    channel: str,
    allowed: bool = True,
    detail: str = "",
    incident_id: int | None = None,
) -> None:
    """Write an audit row in the caller's transaction."""
    await tx.audit.add(
        at=tx.now,
        actor=actor,
        action=action,
        channel=channel,
        allowed=allowed,
        detail=detail,
        incident_id=incident_id,
    )


async def refusal(
    db: Database,
    *,
    actor: str,
    action: str,
    channel: str,
    detail: str,
    incident_id: int | None = None,
) -> None:
    """Write a refused attempt in its own transaction (the refused change is never written)."""
    async with db.transaction() as tx:
        await record(
            tx,
            actor=actor,
            action=action,
            channel=channel,
            allowed=False,
            detail=detail,
            incident_id=incident_id,
        )
