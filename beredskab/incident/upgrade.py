"""Upgrading an open incident to another playbook (group 1 → 2 when a police case appears).

Group 2 needs the journal number (or "pending"). Everyone already notified gets the upgrade
notice; every participant of the new playbook not yet asked *for it* gets its activation
request, even if reached earlier in another role; the log names them.
"""

from __future__ import annotations

from beredskab.boundary import bounds
from beredskab.catalog.texts import Texts
from beredskab.delivery.notifications import Extra, incident_values, notify
from beredskab.errors import InvalidStateError, Phrase
from beredskab.incident import drill as drills
from beredskab.incident import escalation, messages, situation_log, steps
from beredskab.incident import police_case as journal
from beredskab.incident.lookup import require_open
from beredskab.incident.outcome import (
    ActivationResult,
    RealIncidentOpen,
    confirm_actor,
    queued,
    resolve_playbook,
)
from beredskab.models import EntryKind, Incident
from beredskab.plan import Plan
from beredskab.security import access, audit
from beredskab.storage import Database, Tx
from contacts.models import Person
from playbooks.schema import Playbook, TemplateKind

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""


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
            what=Phrase("upgrade to {playbook}", playbook=target.id),
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
        # Drills never touch real incidents: upgrading a real incident is a real activation of
        # the target group, which halts its open drill; a drill cannot become a group whose
        # real incident is running.
        crossing = await tx.incidents.open_for_playbook(target.id, drill=not incident.drill)
        if incident.drill and crossing is not None:
            raise RealIncidentOpen(
                "incident {nr} ({group}) is running; a drill cannot be started now",
                nr=crossing.id,
                group=crossing.playbook_name,
            )
        before = await queued(tx, incident_id)
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
            _t("log.upgrade.police_case_later", missing=journal.MISSING_LABEL)
            if journal.required(target)
            else "-"
        )
        await situation_log.append(
            tx,
            incident_id=incident_id,
            kind=EntryKind.UPGRADED,
            actor=actor.id,
            text=_t(
                "log.upgrade.upgraded",
                from_group=incident.playbook_name,
                group=target.name,
                name=actor.name,
                channel=channel,
                police_case=shown,
            ),
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
        if crossing is not None:
            await drills.halt(
                tx, plan=plan, drill=crossing, real=upgraded, actor=actor, channel=channel
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
        await escalation.schedule_steps(tx, incident=upgraded, steps=added)
        await steps.advance(tx, plan=plan, playbook=target, incident=upgraded)
        total = await queued(tx, incident_id) - before
    return ActivationResult(
        incident=upgraded,
        joined=False,
        participants=len(asked),
        messages=total,
        asked=tuple(p.name for p in asked),
        police_case_missing=journal.missing(target, upgraded),
        halted=crossing,
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
        await confirm_actor(
            tx, incident=incident, actor=actor, reason="participant", via=incident.activated_via
        )
        await tx.incidents.mark_asked_for(incident.id, [actor.id], playbook_id=playbook.id)
    values = incident_values(incident, directory=plan.directory, at=tx.now)
    line = {**values, "fra": previous.playbook_name, "af": actor.name}

    def upgraded(_person: Person, language: str) -> Extra:
        said = messages.upgrade_line(language, line)
        return Extra(text=said, sms=(said,), required=True)

    await notify(
        tx,
        incident=incident,
        playbook=playbook,
        people=to_ask,
        kind=TemplateKind.ACTIVATION,
        values=values,
        extra=upgraded,
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
        message=messages.UPGRADED,
        values=line,
        drill_prefix=incident.drill,
    )
    names = ", ".join(p.name for p in to_ask)
    text = (
        _t("log.upgrade.asked", group=playbook.name, count=len(to_ask), names=names)
        if to_ask
        else _t("log.upgrade.none_asked", group=playbook.name)
    )
    if informed:
        text += _t(
            "log.upgrade.informed",
            count=len(informed),
            names=", ".join(p.name for p in informed),
        )
    await situation_log.append(
        tx, incident_id=incident.id, kind=EntryKind.NOTIFIED, actor="system", text=text + "."
    )
    await escalation.schedule_confirmations(
        tx, playbook=playbook, incident=incident, people=[p for p in to_ask if p.id in added]
    )
    return to_ask
