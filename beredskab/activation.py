"""Activating a playbook, joining an open incident, and upgrading group 1 to group 2.

Per playbook at most one open real incident and one open drill. A second activation of the
same kind joins the open one; a real activation halts the open drill of its group (ØVELSE
AFBRUDT) and never joins it; a drill cannot start while a real incident of the group is open.
"""

from __future__ import annotations

from dataclasses import dataclass

from beredskab import access, audit, escalation, situation_log, steps
from beredskab.errors import InvalidStateError, NotFoundError
from beredskab.incident import drill as drills
from beredskab.incident import messages
from beredskab.incident import police_case as journal
from beredskab.incidents import require_open
from beredskab.models import ConfirmationStatus, EntryKind, Incident
from beredskab.notifications import incident_values, notify
from beredskab.plan import Plan
from beredskab.security import bounds
from beredskab.storage import Database, Tx
from beredskab.storage.repositories.incidents import OpenIncidentExists
from contacts.models import Person
from playbooks.schema import Playbook, TemplateKind


class RealIncidentOpen(InvalidStateError):
    """A drill was started while a real incident of the same playbook is open."""


@dataclass(frozen=True)
class ActivationResult:
    """The incident, whether this activation joined an open one, and what was queued.

    ``halted`` is the drill a real activation stopped; ``asked`` names who got the activation
    request (at an upgrade: the new playbook's participants not asked for it before).
    """

    incident: Incident
    joined: bool
    participants: int
    messages: int
    halted: Incident | None = None
    asked: tuple[str, ...] = ()


def resolve_playbook(plan: Plan, ref: str) -> Playbook:
    """A playbook by id, number or name, or a clear error listing the choices."""
    playbook = plan.playbook(ref)
    if playbook is None:
        choices = ", ".join(f"{p.id} ({p.number})" for p in plan.playbooks.playbooks)
        raise NotFoundError(
            "no playbook '{ref}'; choose one of: {choices}", ref=ref, choices=choices
        )
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
    police_case_pending: bool = False,
    drill: bool = False,
) -> ActivationResult:
    """Open an incident (or join the open one of the same kind) and notify every participant.

    A police-case playbook needs ``police_case`` unless ``police_case_pending`` (then the
    activator and the leader are reminded until it is recorded); group 1 refuses one.
    """
    bounds.text(description, field="the description")
    if police_case is not None:
        bounds.text(police_case, field="the police case", max_chars=bounds.POLICE_CASE_CHARS)
    case = (police_case or "").strip() or None
    chosen = resolve_playbook(plan, playbook)
    actor = access.person(plan, actor_id)
    if zone is not None and not 1 <= zone <= 4:
        raise InvalidStateError("zone must be 1-4, not {zone}", zone=zone)
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
                    police_case=case,
                    pending=police_case_pending,
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
    pending: bool,
    drill: bool,
) -> ActivationResult:
    journal.check(playbook, police_case=police_case, pending=True, drill=drill)  # group 1
    same_kind = await tx.incidents.open_for_playbook(playbook.id, drill=drill)
    if same_kind is not None:
        return await _join(
            tx,
            incident=same_kind,
            playbook=playbook,
            actor=actor,
            channel=channel,
            description=description,
            police_case=police_case,
        )
    other = await tx.incidents.open_for_playbook(playbook.id, drill=not drill)
    if drill and other is not None:
        raise RealIncidentOpen(
            "incident {nr} ({group}) is running; a drill cannot be started now",
            nr=other.id,
            group=other.playbook_name,
        )
    journal.check(playbook, police_case=police_case, pending=pending, drill=drill)
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
    if journal.required(playbook):
        if police_case:
            text += f" Politiets journalnr.: {police_case}."
        elif drill:
            text += " Politiets journalnr.: ikke krævet ved øvelse."
        else:
            text += (
                f" Politiets journalnr.: {journal.MISSING_LABEL} (kommer senere); "
                "aktivatoren og projektchefen mindes om det, til det er registreret."
            )
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
        detail=f"{playbook.id} drill={drill}" + (" police_case=pending" if pending else ""),
    )
    if other is not None:  # a real activation halts the open drill of its group
        await drills.halt(tx, plan=plan, drill=other, real=incident, actor=actor, channel=channel)
    before = await _queued(tx, incident.id)
    participants, _ = await _notify_participants(
        tx, plan=plan, playbook=playbook, incident=incident, actor=actor
    )
    if journal.missing(playbook, incident):
        await journal.schedule(tx, playbook=playbook, incident=incident)
    instantiated = steps.instantiate(playbook, incident)
    await tx.steps.add(instantiated)
    await escalation.schedule_steps(
        tx, incident=incident, positions=[s.position for s in instantiated]
    )
    await steps.advance(tx, plan=plan, playbook=playbook, incident=incident)
    queued = await _queued(tx, incident.id) - before
    return ActivationResult(
        incident=incident,
        joined=False,
        participants=participants,
        messages=queued,
        halted=other,
    )


async def _queued(tx: Tx, incident_id: int) -> int:
    """How many outbox rows an incident has (so counts add up whoever queued them)."""
    return sum((await tx.deliveries.channel_counts(incident_id)).values())


async def _join(
    tx: Tx,
    *,
    incident: Incident,
    playbook: Playbook,
    actor: Person,
    channel: str,
    description: str,
    police_case: str | None,
) -> ActivationResult:
    """Join the open incident of the same kind: the activator is in it and confirmed."""
    kind = "øvelse" if incident.drill else "hændelse"
    await situation_log.append(
        tx,
        incident_id=incident.id,
        kind=EntryKind.JOINED,
        actor=actor.id,
        text=f"{actor.name} aktiverede {playbook.name} igen via {channel}; "
        f"tilsluttet den åbne {kind} og registreret som bekræftet. {description}".strip(),
    )
    await audit.record(
        tx,
        actor=actor.id,
        action="activate.join",
        channel=channel,
        incident_id=incident.id,
        detail=playbook.id,
    )
    await _confirm_actor(tx, incident=incident, actor=actor, reason="joined")
    incident = await journal.on_join(
        tx, incident=incident, actor=actor, channel=channel, police_case=police_case
    )
    return ActivationResult(incident=incident, joined=True, participants=0, messages=0)


async def _confirm_actor(tx: Tx, *, incident: Incident, actor: Person, reason: str) -> None:
    """The one who activates (or joins by activating again) is in the incident, confirmed."""
    await tx.incidents.add_confirmations(incident.id, [actor.id], reason=reason, now=tx.now)
    await tx.incidents.set_confirmation(
        incident.id,
        actor.id,
        status=ConfirmationStatus.CONFIRMED,
        via=incident.activated_via if reason == "activator" else "activation",
        now=tx.now,
        only_from=[ConfirmationStatus.PENDING, ConfirmationStatus.DECLINED],
    )


async def _notify_participants(
    tx: Tx, *, plan: Plan, playbook: Playbook, incident: Incident, actor: Person
) -> tuple[int, int]:
    """Ask each participant not yet asked to confirm and send the activation message; the
    activator is confirmed and gets a receipt that asks for no reply."""
    candidates = plan.directory.with_any_role(playbook.participants)
    added = set(
        await tx.incidents.add_confirmations(
            incident.id,
            [p.id for p in candidates if p.id != actor.id],
            reason="participant",
            now=tx.now,
            asked_for=playbook.id,
        )
    )
    new = [p for p in candidates if p.id in added]
    await _confirm_actor(tx, incident=incident, actor=actor, reason="activator")
    if actor in candidates:
        await tx.incidents.mark_asked_for(incident.id, [actor.id], playbook_id=playbook.id)
    values = incident_values(incident, directory=plan.directory, at=tx.now)
    alerts = await notify(
        tx,
        incident=incident,
        playbook=playbook,
        people=new,
        kind=TemplateKind.ACTIVATION,
        values=values,
    )
    receipt = await messages.send(
        tx,
        incident=incident,
        people=[actor],
        kind=TemplateKind.ACTIVATION.value,
        texts=messages.ACTIVATOR,
        values=values,
        drill_prefix=incident.drill,
    )
    everyone = [actor, *new] if actor in candidates else new
    await situation_log.append(
        tx,
        incident_id=incident.id,
        kind=EntryKind.NOTIFIED,
        actor="system",
        text=f"{_count(len(everyone), 'deltager', 'deltagere')} underrettet "
        f"({_count(alerts + receipt, 'besked', 'beskeder')} i kø, heraf "
        f"{_count(receipt, 'kvittering', 'kvitteringer')} uden svar til {actor.name}): "
        + ", ".join(p.name for p in everyone)
        + ".",
    )
    await escalation.schedule_confirmations(tx, playbook=playbook, incident=incident, people=new)
    return len(everyone), alerts + receipt


async def upgrade(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    to_playbook: str,
    actor_id: str,
    channel: str,
    police_case: str | None = None,
    police_case_pending: bool = False,
) -> ActivationResult:
    """Move an open incident to another playbook (group 1 → 2 when a police case appears).

    Group 2 needs the journal number (or ``police_case_pending``). Everyone already notified
    gets the upgrade notice; every participant of the new playbook not yet asked *for it*
    gets its activation request, even if reached earlier in another role.
    """
    if police_case is not None:
        bounds.text(police_case, field="the police case", max_chars=bounds.POLICE_CASE_CHARS)
    case = (police_case or "").strip() or None
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
            raise InvalidStateError(
                "incident {nr} already runs {playbook}", nr=incident_id, playbook=target.id
            )
        journal.check(
            target,
            police_case=case,
            pending=police_case_pending or bool(incident.police_case),
            drill=incident.drill,
        )
        other = await tx.incidents.open_for_playbook(target.id, drill=incident.drill)
        if other is not None:
            raise InvalidStateError(
                "{playbook} already has open incident {nr}; close one of them first",
                playbook=target.id,
                nr=other.id,
            )
        before = await _queued(tx, incident_id)
        reached = {c.person_id for c in await tx.incidents.confirmations(incident_id)}
        reached |= await tx.deliveries.recipients(incident_id)
        await tx.incidents.change_playbook(
            incident_id,
            playbook_id=target.id,
            playbook_name=target.name,
            police_case=case or incident.police_case,
            drill=incident.drill,
        )
        upgraded = await require_open(tx, incident_id)
        shown = upgraded.police_case or (
            f"{journal.MISSING_LABEL} (kommer senere)" if journal.required(target) else "-"
        )
        await situation_log.append(
            tx,
            incident_id=incident_id,
            kind=EntryKind.UPGRADED,
            actor=actor.id,
            text=f"Opgraderet fra {incident.playbook_name} til {target.name} af {actor.name} "
            f"via {channel}. Politiets journalnr.: {shown}.",
        )
        await audit.record(
            tx,
            actor=actor.id,
            action="upgrade",
            channel=channel,
            incident_id=incident_id,
            detail=f"{incident.playbook_id} -> {target.id}"
            + (" police_case=pending" if journal.missing(target, upgraded) else ""),
        )
        asked = await _tell_upgrade(
            tx,
            plan=plan,
            playbook=target,
            incident=upgraded,
            previous=incident,
            actor=actor,
            reached=reached,
        )
        if journal.missing(target, upgraded):
            await journal.schedule(tx, playbook=target, incident=upgraded)
        present = {s.step_id for s in await tx.steps.list(incident_id)}
        extra = [s for s in steps.instantiate(target, upgraded) if s.step_id not in present]
        position = len(present) + 1
        added = [s.model_copy(update={"position": position + i}) for i, s in enumerate(extra)]
        await tx.steps.add(added)
        await escalation.schedule_steps(
            tx, incident=upgraded, positions=[s.position for s in added]
        )
        await steps.advance(tx, plan=plan, playbook=target, incident=upgraded)
        queued = await _queued(tx, incident_id) - before
    return ActivationResult(
        incident=upgraded,
        joined=False,
        participants=len(asked),
        messages=queued,
        asked=tuple(p.name for p in asked),
    )


async def _tell_upgrade(
    tx: Tx,
    *,
    plan: Plan,
    playbook: Playbook,
    incident: Incident,
    previous: Incident,
    actor: Person,
    reached: set[str],
) -> list[Person]:
    """The new playbook's request to those not asked for it, the upgrade notice to everyone
    else already notified; the log names them. Returns who got the request."""
    asked_for = await tx.incidents.asked_for(incident.id)
    candidates = plan.directory.with_any_role(playbook.participants)
    to_ask = [
        p for p in candidates if p.id != actor.id and playbook.id not in asked_for.get(p.id, ())
    ]
    added = set(
        await tx.incidents.add_confirmations(
            incident.id,
            [p.id for p in to_ask],
            reason="participant",
            now=tx.now,
            asked_for=playbook.id,
        )
    )
    await tx.incidents.mark_asked_for(incident.id, [p.id for p in to_ask], playbook_id=playbook.id)
    if actor in candidates:
        await _confirm_actor(tx, incident=incident, actor=actor, reason="activator")
        await tx.incidents.mark_asked_for(incident.id, [actor.id], playbook_id=playbook.id)
    values = incident_values(incident, directory=plan.directory, at=tx.now)
    line = {**values, "fra": previous.playbook_name, "af": actor.name}
    for language in ("da", "en"):
        await notify(
            tx,
            incident=incident,
            playbook=playbook,
            people=[p for p in to_ask if (p.language == "en") == (language == "en")],
            kind=TemplateKind.ACTIVATION,
            values=values,
            extra=messages.render_line(messages.UPGRADE_LINE, language, line),
        )
    asked_ids = {p.id for p in to_ask}
    informed = [
        p
        for p in plan.directory.people
        if p.id in reached and p.id not in asked_ids and p.id != actor.id
    ]
    await messages.send(
        tx,
        incident=incident,
        people=informed,
        kind="upgrade",
        texts=messages.UPGRADED,
        values=line,
        drill_prefix=incident.drill,
    )
    names = ", ".join(p.name for p in to_ask)
    text = f"Opgraderet til {playbook.name}: " + (
        f"{_count(len(to_ask), 'person', 'personer')} bedt om at bekræfte: {names}"
        if to_ask
        else "ingen nye at bede om at bekræfte"
    )
    if informed:
        text += f". {_count(len(informed), 'person', 'personer')} orienteret om opgraderingen: "
        text += ", ".join(p.name for p in informed)
    await situation_log.append(
        tx, incident_id=incident.id, kind=EntryKind.NOTIFIED, actor="system", text=text + "."
    )
    await escalation.schedule_confirmations(
        tx, playbook=playbook, incident=incident, people=[p for p in to_ask if p.id in added]
    )
    return to_ask


def _count(n: int, one: str, many: str) -> str:
    """``n`` with the singular or plural noun."""
    return f"{n} {one if n == 1 else many}"
