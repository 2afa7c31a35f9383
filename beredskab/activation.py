"""Activating a playbook, joining an open incident, and upgrading group 1 to group 2."""

from __future__ import annotations

from dataclasses import dataclass

from beredskab import access, audit, escalation, situation_log, steps
from beredskab.errors import InvalidStateError, NotFoundError
from beredskab.incidents import require_open
from beredskab.models import ConfirmationStatus, EntryKind, Incident
from beredskab.notifications import incident_values, notify
from beredskab.plan import Plan
from beredskab.security import bounds
from beredskab.storage import Database, Tx
from beredskab.storage.repositories.incidents import OpenIncidentExists
from contacts.models import Person
from playbooks.schema import Playbook, TemplateKind


@dataclass(frozen=True)
class ActivationResult:
    """The incident, whether this activation joined an open one, and what was queued."""

    incident: Incident
    joined: bool
    participants: int
    messages: int


def resolve_playbook(plan: Plan, ref: str) -> Playbook:
    """A playbook by id, number or name, or a clear error listing the choices."""
    playbook = plan.playbook(ref)
    if playbook is None:
        choices = ", ".join(f"{p.id} ({p.number})" for p in plan.playbooks.playbooks)
        raise NotFoundError(f"no playbook '{ref}'; choose one of: {choices}")
    return playbook


def _title(playbook: Playbook, description: str) -> str:
    first = description.strip().splitlines()[0] if description.strip() else ""
    return (first[:77] + "...") if len(first) > 80 else (first or f"{playbook.name} aktiveret")


async def activate(
    *,
    db: Database,
    plan: Plan,
    playbook: str,
    actor_id: str,
    channel: str,
    description: str = "",
    zone: int | None = None,
    police_case: str | None = None,
    drill: bool = False,
) -> ActivationResult:
    """Open an incident (or join the open one) and notify every participant on every channel."""
    bounds.text(description, field="the description")
    if police_case is not None:
        bounds.text(police_case, field="the police case", max_chars=bounds.POLICE_CASE_CHARS)
    chosen = resolve_playbook(plan, playbook)
    actor = access.person(plan, actor_id)
    if zone is not None and not 1 <= zone <= 4:
        raise InvalidStateError(f"zone must be 1-4, not {zone}")
    for attempt in range(2):
        try:
            async with access.audited(db), db.transaction() as tx:
                access.require_role(
                    actor,
                    chosen.activation.roles,
                    action="activate",
                    channel=channel,
                    what=f"activate {chosen.id}",
                )
                return await _activate_in(
                    tx,
                    plan=plan,
                    playbook=chosen,
                    actor=actor,
                    channel=channel,
                    description=description,
                    zone=zone,
                    police_case=police_case,
                    drill=drill,
                )
        except OpenIncidentExists:
            if attempt:
                raise
    raise AssertionError("unreachable")


async def _activate_in(
    tx: Tx,
    *,
    plan: Plan,
    playbook: Playbook,
    actor: Person,
    channel: str,
    description: str,
    zone: int | None,
    police_case: str | None,
    drill: bool,
) -> ActivationResult:
    open_incident = await tx.incidents.open_for_playbook(playbook.id)
    if open_incident is not None:
        await situation_log.append(
            tx,
            incident_id=open_incident.id,
            kind=EntryKind.JOINED,
            actor=actor.id,
            text=f"{actor.name} aktiverede {playbook.name} igen via {channel}; "
            f"tilsluttet den åbne hændelse. {description}".strip(),
        )
        await audit.record(
            tx,
            actor=actor.id,
            action="activate.join",
            channel=channel,
            incident_id=open_incident.id,
            detail=playbook.id,
        )
        return ActivationResult(incident=open_incident, joined=True, participants=0, messages=0)
    incident = await tx.incidents.create(
        playbook_id=playbook.id,
        playbook_name=playbook.name,
        plan_version=plan.version,
        title=_title(playbook, description),
        description=description.strip(),
        zone=zone,
        police_case=police_case,
        drill=drill,
        activated_by=actor.id,
        activated_via=channel,
        now=tx.now,
    )
    text = (
        f"{'ØVELSE: ' if drill else ''}{playbook.name} aktiveret af {actor.name} via {channel}. "
        f"Planversion {plan.version}."
    )
    if zone:
        text += f" Zone {zone}."
    if playbook.police_case:
        text += f" Politiets journalnr.: {police_case or 'ikke oplyst endnu'}."
    if description.strip():
        text += f" Beskrivelse: {description.strip()}"
    await situation_log.append(
        tx, incident_id=incident.id, kind=EntryKind.ACTIVATED, actor=actor.id, text=text
    )
    await audit.record(
        tx,
        actor=actor.id,
        action="activate",
        channel=channel,
        incident_id=incident.id,
        detail=f"{playbook.id} drill={drill}",
    )
    participants, messages = await _notify_participants(
        tx, plan=plan, playbook=playbook, incident=incident, actor=actor
    )
    instantiated = steps.instantiate(playbook, incident)
    await tx.steps.add(instantiated)
    await escalation.schedule_steps(
        tx, incident=incident, positions=[s.position for s in instantiated]
    )
    await steps.advance(tx, plan=plan, playbook=playbook, incident=incident)
    return ActivationResult(
        incident=incident, joined=False, participants=participants, messages=messages
    )


async def _notify_participants(
    tx: Tx, *, plan: Plan, playbook: Playbook, incident: Incident, actor: Person
) -> tuple[int, int]:
    """Ask each participant not yet asked to confirm, and send the activation message."""
    candidates = plan.directory.with_any_role(playbook.participants)
    added = set(
        await tx.incidents.add_confirmations(
            incident.id, [p.id for p in candidates], reason="participant", now=tx.now
        )
    )
    new = [p for p in candidates if p.id in added]
    if actor in new:
        await tx.incidents.set_confirmation(
            incident.id,
            actor.id,
            status=ConfirmationStatus.CONFIRMED,
            via=incident.activated_via,
            now=tx.now,
            only_from=[ConfirmationStatus.PENDING],
        )
    values = incident_values(incident, directory=plan.directory, at=tx.now)
    messages = await notify(
        tx,
        incident=incident,
        playbook=playbook,
        people=new,
        kind=TemplateKind.ACTIVATION,
        values=values,
    )
    await situation_log.append(
        tx,
        incident_id=incident.id,
        kind=EntryKind.NOTIFIED,
        actor="system",
        text=f"{len(new)} deltagere underrettet ({messages} beskeder i kø): "
        + ", ".join(p.name for p in new),
    )
    await escalation.schedule_confirmations(
        tx, playbook=playbook, incident=incident, people=[p for p in new if p.id != actor.id]
    )
    return len(new), messages


async def upgrade(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    to_playbook: str,
    actor_id: str,
    channel: str,
    police_case: str | None = None,
) -> ActivationResult:
    """Move an open incident to another playbook (group 1 → 2 when a police case appears)."""
    target = resolve_playbook(plan, to_playbook)
    actor = access.person(plan, actor_id)
    async with access.audited(db), db.transaction() as tx:
        incident = await require_open(tx, incident_id)
        access.require_role(
            actor,
            target.activation.roles,
            action="upgrade",
            channel=channel,
            what=f"upgrade to {target.id}",
            incident_id=incident_id,
        )
        if incident.playbook_id == target.id:
            raise InvalidStateError(f"incident {incident_id} already runs {target.id}")
        other = await tx.incidents.open_for_playbook(target.id)
        if other is not None:
            raise InvalidStateError(
                f"{target.id} already has open incident {other.id}; close one of them first"
            )
        await tx.incidents.change_playbook(
            incident_id,
            playbook_id=target.id,
            playbook_name=target.name,
            police_case=police_case or incident.police_case,
        )
        await situation_log.append(
            tx,
            incident_id=incident_id,
            kind=EntryKind.UPGRADED,
            actor=actor.id,
            text=f"Opgraderet fra {incident.playbook_name} til {target.name} af {actor.name}. "
            f"Politiets journalnr.: {police_case or incident.police_case or 'ikke oplyst endnu'}.",
        )
        await audit.record(
            tx,
            actor=actor.id,
            action="upgrade",
            channel=channel,
            incident_id=incident_id,
            detail=f"{incident.playbook_id} -> {target.id}",
        )
        upgraded = await require_open(tx, incident_id)
        participants, messages = await _notify_participants(
            tx, plan=plan, playbook=target, incident=upgraded, actor=actor
        )
        present = {s.step_id for s in await tx.steps.list(incident_id)}
        extra = [s for s in steps.instantiate(target, upgraded) if s.step_id not in present]
        position = len(present) + 1
        added = [s.model_copy(update={"position": position + i}) for i, s in enumerate(extra)]
        await tx.steps.add(added)
        await escalation.schedule_steps(
            tx, incident=upgraded, positions=[s.position for s in added]
        )
        await steps.advance(tx, plan=plan, playbook=target, incident=upgraded)
    return ActivationResult(
        incident=upgraded, joined=False, participants=participants, messages=messages
    )
