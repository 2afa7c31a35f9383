"""Acknowledgements: the one entry point every channel uses to confirm or decline."""

from __future__ import annotations

from dataclasses import dataclass

from beredskab import access, audit, escalation, situation_log
from beredskab.errors import NotFoundError
from beredskab.incidents import require_open
from beredskab.models import Confirmation, ConfirmationStatus, EntryKind
from beredskab.plan import Plan
from beredskab.storage import Database


@dataclass(frozen=True)
class AckResult:
    """The confirmation after the call and whether this call changed it."""

    confirmation: Confirmation
    changed: bool
    deputy: str | None = None


async def record(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    person_id: str,
    via: str,
    decline: bool = False,
) -> AckResult:
    """Confirm (or decline) for a person; idempotent. A decline asks the deputy at once."""
    person = access.person(plan, person_id)
    async with db.transaction() as tx:
        incident = await require_open(tx, incident_id)
        current = await tx.incidents.confirmation(incident_id, person.id)
        if current is None:
            raise NotFoundError(
                f"{person.name} was not asked to confirm incident {incident_id}; nothing recorded"
            )
        if decline:
            status = ConfirmationStatus.DECLINED
            only_from = [ConfirmationStatus.PENDING]
        else:
            status = ConfirmationStatus.CONFIRMED
            only_from = [ConfirmationStatus.PENDING, ConfirmationStatus.DECLINED]
        changed = await tx.incidents.set_confirmation(
            incident_id, person.id, status=status, via=via, now=tx.now, only_from=only_from
        )
        deputy_id: str | None = None
        if changed:
            verb = "kan ikke deltage" if decline else "bekræftede"
            await situation_log.append(
                tx,
                incident_id=incident_id,
                kind=EntryKind.DECLINED if decline else EntryKind.CONFIRMED,
                actor=person.id,
                text=f"{person.name} {verb} via {via}.",
            )
            await audit.record(
                tx,
                actor=person.id,
                action="decline" if decline else "ack",
                channel=via,
                incident_id=incident_id,
            )
            playbook = plan.playbook(incident.playbook_id)
            deputy = (
                await escalation.ask_deputy(
                    tx, plan=plan, playbook=playbook, incident=incident, person=person
                )
                if decline and playbook is not None
                else None
            )
            if deputy is not None:
                deputy_id = deputy.id
                await situation_log.append(
                    tx,
                    incident_id=incident_id,
                    kind=EntryKind.NOTIFIED,
                    actor="system",
                    text=f"Stedfortræder {deputy.name} underrettet i stedet for {person.name}.",
                )
        after = await tx.incidents.confirmation(incident_id, person.id)
    assert after is not None
    return AckResult(confirmation=after, changed=changed, deputy=deputy_id)
