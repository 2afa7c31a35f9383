"""Activating a playbook, joining an open incident, and upgrading group 1 to group 2.

Per playbook at most one open real incident and one open drill. A second activation of the
same kind joins the open one; a real activation halts the open drill of its group (ØVELSE
AFBRUDT) and never joins it; a drill cannot start while a real incident of the group is open.
"""

from __future__ import annotations

from dataclasses import dataclass

from beredskab.boundary import bounds
from beredskab.catalog.texts import Texts
from beredskab.delivery.notifications import incident_values
from beredskab.errors import InvalidStateError, Phrase
from beredskab.incident import asking, fanout, messages, participants, situation_log, steps
from beredskab.incident import drill as drills
from beredskab.incident import police_case as journal
from beredskab.incident.outcome import (
    ActivationResult,
    RealIncidentOpen,
    confirm_actor,
    queued,
    resolve_playbook,
    summary,
)
from beredskab.incident.upgrade import upgrade
from beredskab.models import EntryKind, Incident
from beredskab.plan import Plan
from beredskab.security import access, audit
from beredskab.storage import Database, Tx
from beredskab.storage.repositories.incidents import OpenIncidentExists
from contacts.models import Person
from playbooks.schema import Playbook, TemplateKind

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

__all__ = [
    "ActivationResult",
    "RealIncidentOpen",
    "activate",
    "resolve_playbook",
    "summary",
    "upgrade",
]


def _title(playbook: Playbook, description: str) -> str:
    first = description.strip().splitlines()[0] if description.strip() else ""
    return (
        (first[:77] + "...")
        if len(first) > 80
        else (first or _t("incident.default_title", group=playbook.name))
    )


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
    first_chunk: int = fanout.FIRST_CHUNK,
) -> ActivationResult:
    """Open an incident (or join the open one of the same kind) and notify every participant.

    A police-case playbook needs ``police_case`` unless ``police_case_pending`` (then the
    activator and the leader are reminded until it is recorded); group 1 refuses one.

    The transaction asks the first ``first_chunk`` participants itself, so it commits fast at
    any size; the others (``ActivationResult.pending``) are handed to a fan-out that asks
    them in chunks right after (``incident.fanout``: wake ``serve``'s runner, or run
    ``fanout.complete`` in a command).
    """
    if first_chunk < 0:
        raise ValueError("first_chunk must not be negative")
    bounds.text(description, field="the description")
    if police_case is not None:
        bounds.text(police_case, field="the police case", max_chars=bounds.POLICE_CASE_CHARS)
    case = (police_case or "").strip() or None
    chosen = resolve_playbook(plan, playbook)
    actor = access.person(plan, actor_id)
    if zone is not None and not 1 <= zone <= 4:
        raise InvalidStateError("zone must be 1-4, not {zone}", zone=zone)
    db.signals.sending_soon()  # the providers' connections open while this is written
    for attempt in range(2):
        try:
            async with access.audited(db), db.transaction() as tx:
                access.require_role(
                    actor,
                    chosen.activation.roles,
                    action="activate",
                    channel=channel,
                    what=Phrase("activate {playbook}", playbook=chosen.id),
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
                    first_chunk=first_chunk,
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
    first_chunk: int,
) -> ActivationResult:
    journal.check(playbook, police_case=police_case, pending=True, drill=drill)  # group 1
    real, open_drill = await tx.incidents.open_slots(playbook.id)
    same_kind, other = (open_drill, real) if drill else (real, open_drill)
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
    tx.log.started(incident.id)
    text = _t(
        "log.activation.drill_activated" if drill else "log.activation.activated",
        group=playbook.name,
        name=actor.name,
        channel=channel,
        version=plan.version,
    )
    if zone:
        text += _t("log.activation.zone", zone=zone)
    if journal.required(playbook):
        if police_case:
            text += _t("log.activation.police_case", police_case=police_case)
        elif drill:
            text += _t("log.activation.police_case_drill")
        else:
            text += _t("log.activation.police_case_later", missing=journal.MISSING_LABEL)
    if description.strip():
        text += _t("log.activation.description", description=description.strip())
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
    told = await _notify_participants(
        tx, plan=plan, playbook=playbook, incident=incident, actor=actor, first_chunk=first_chunk
    )
    if journal.missing(playbook, incident):
        await journal.schedule(tx, playbook=playbook, incident=incident)
    await steps.begin(tx, plan=plan, playbook=playbook, incident=incident)
    total = await queued(tx, incident.id)  # a new incident: every row is this activation's
    await _log_notified(tx, incident=incident, actor=actor, told=told, total=total)
    return ActivationResult(
        incident=incident,
        joined=False,
        participants=len(told.everyone) + told.pending,
        messages=total,
        pending=told.pending,
        halted=other,
        police_case_missing=journal.missing(playbook, incident),
    )


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
    text = _t(
        "log.activation.joined_drill" if incident.drill else "log.activation.joined",
        name=actor.name,
        group=playbook.name,
        channel=channel,
        description=description,
    )
    await situation_log.append(
        tx, incident_id=incident.id, kind=EntryKind.JOINED, actor=actor.id, text=text.strip()
    )
    await audit.record(
        tx,
        actor=actor.id,
        action="activate.join",
        channel=channel,
        incident_id=incident.id,
        detail=playbook.id,
    )
    await confirm_actor(tx, incident=incident, actor=actor, reason="joined", via=channel)
    incident = await journal.on_join(
        tx, incident=incident, actor=actor, channel=channel, police_case=police_case
    )
    return ActivationResult(
        incident=incident,
        joined=True,
        participants=0,
        messages=0,
        police_case_missing=journal.missing(playbook, incident),
    )


@dataclass(frozen=True)
class _Notified:
    """Who the activation transaction told, and what is left to the fan-out."""

    everyone: list[Person]
    """The activator (if a participant) and the participants asked in this transaction."""
    own: int
    """Messages queued for them (alerts and the activator's receipt)."""
    pending: int
    """Participants handed to the fan-out, asked right after the commit."""


async def _notify_participants(
    tx: Tx,
    *,
    plan: Plan,
    playbook: Playbook,
    incident: Incident,
    actor: Person,
    first_chunk: int,
) -> _Notified:
    """Ask the first participants to confirm and send them the activation message; the
    activator is confirmed and gets a receipt that asks for no reply. The others are handed
    to a fan-out (``incident.fanout``) that asks them in chunks right after the commit."""
    ranked = asking.ranked(plan, playbook)
    others, other_ids = ranked.without(actor.id)
    new, alerts = await participants.ask(
        tx,
        plan=plan,
        playbook=playbook,
        incident=incident,
        people=others[:first_chunk],
        new_incident=True,
    )
    participant = not set(playbook.participants).isdisjoint(actor.roles)
    await tx.incidents.add_confirmed(  # the activator: in the incident, confirmed
        incident.id,
        actor.id,
        reason="participant" if participant else "activator",
        via=incident.activated_via,
        now=tx.now,
        asked_for=playbook.id if participant else "",
    )
    receipt = await messages.send(
        tx,
        incident=incident,
        people=[actor],
        kind=TemplateKind.ACTIVATION.value,
        message=messages.ACTIVATOR,
        values=incident_values(incident, directory=plan.directory, at=tx.now),
        drill_prefix=incident.drill,
    )
    await fanout.start(
        tx,
        incident=incident,
        kind=participants.KIND,
        playbook_id=playbook.id,
        template=TemplateKind.ACTIVATION.value,
        recipients=other_ids,
        done=first_chunk,
        reached=len(new),
        messages=alerts,
    )
    everyone = [actor, *new] if participant else new
    return _Notified(everyone, alerts + receipt, max(0, len(others) - first_chunk))


async def _log_notified(
    tx: Tx, *, incident: Incident, actor: Person, told: _Notified, total: int
) -> None:
    """One entry naming who was told and how many messages the activation queued in all:
    the participants' alerts, the activator's receipt and what the first step sent; when a
    fan-out asks the others right after, it says so (and the fan-out logs when all are)."""
    everyone, own = told.everyone, told.own
    text = _t(
        "log.activation.notified",
        count=len(everyone),
        names=", ".join(p.name for p in everyone),
        total=total,
        own=own,
        name=actor.name,
    )
    if total > own:
        text += _t("log.activation.first_step", count=total - own)
    text += "."
    if told.pending:
        text += participants.streaming_text(pending=told.pending, chunk=fanout.CHUNK)
    await situation_log.append(
        tx, incident_id=incident.id, kind=EntryKind.NOTIFIED, actor="system", text=text
    )
