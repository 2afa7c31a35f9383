"""The ordered steps of the plan within an incident.

Steps are created at activation; the first is active. Finishing (done or skipped) the active
step activates the next one. A step's actions (notify a role, convene a meeting, create
outreach tasks) run once: when the step becomes active, or when it is marked done before it
got there. Skipping a step never runs them.
"""

from __future__ import annotations

from datetime import timedelta

from beredskab.boundary import bounds
from beredskab.catalog.texts import Texts
from beredskab.delivery.notifications import incident_values, notify, render
from beredskab.errors import InvalidStateError, NotFoundError, Phrase
from beredskab.incident import acknowledgements, escalation, situation_log
from beredskab.incident.lookup import playbook_of, require_open
from beredskab.incident.tasks import create_from_assignments
from beredskab.models import EntryKind, Incident, Step, StepStatus
from beredskab.plan import Plan
from beredskab.security import access, audit
from beredskab.storage import Database, Tx
from playbooks.schema import (
    ConveneAction,
    NotifyAction,
    OutreachAction,
    Playbook,
    TemplateKind,
)

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""


def instantiate(playbook: Playbook, incident: Incident, *, first_position: int = 1) -> list[Step]:
    """The playbook's steps as pending incident steps, due relative to the activation."""
    return [
        Step(
            incident_id=incident.id,
            position=first_position + i,
            step_id=step.id,
            title=step.title,
            description=step.description,
            owner_role=step.owner_role,
            due_at=incident.created_at + timedelta(minutes=step.due_after_minutes),
            status=StepStatus.PENDING,
            actions_done=False,
            finished_by=None,
            finished_at=None,
            note=None,
        )
        for i, step in enumerate(playbook.steps)
    ]


async def begin(tx: Tx, *, plan: Plan, playbook: Playbook, incident: Incident) -> list[Step]:
    """Give a new incident its steps: the first one active with its actions run, the others
    pending (one insert), and a due-time timer each; returns them. Same outcome as
    ``instantiate`` + ``advance``, without reading back what was just written."""
    made = instantiate(playbook, incident)
    if made:
        first = made[0].model_copy(update={"status": StepStatus.ACTIVE})
        await _act(tx, plan=plan, playbook=playbook, incident=incident, step=first)
        made[0] = first.model_copy(update={"actions_done": True})
    await tx.steps.add(made)
    await escalation.schedule_steps(tx, incident=incident, steps=made)
    return made


async def run_actions(
    tx: Tx, *, plan: Plan, playbook: Playbook, incident: Incident, step: Step
) -> None:
    """Run a step's actions once and remember that they ran."""
    if step.actions_done:
        return
    await _act(tx, plan=plan, playbook=playbook, incident=incident, step=step)
    await tx.steps.update(incident.id, step.position, actions_done=True)


async def _act(tx: Tx, *, plan: Plan, playbook: Playbook, incident: Incident, step: Step) -> None:
    """Run a step's actions (the caller records that they ran)."""
    spec = next((s for s in playbook.steps if s.id == step.step_id), None)
    values = {
        **incident_values(incident, directory=plan.directory, at=tx.now),
        "trin": step.title,
    }
    for action in spec.actions if spec else ():
        if isinstance(action, OutreachAction):
            await create_from_assignments(
                tx, plan=plan, playbook=playbook, incident=incident, groups=action.groups
            )
            continue
        people = plan.directory.with_role(action.role)
        if isinstance(action, ConveneAction):
            kind, confirm = TemplateKind.STAFF_CALLOUT, True
            text = _t(
                "log.steps.convened",
                position=step.position,
                meeting=action.meeting,
                place=action.place,
                count=len(people),
            )
        else:
            assert isinstance(action, NotifyAction)
            kind, confirm = action.template, action.confirm
            template, _ = playbook.template(kind, "da")
            role = plan.directory.role(action.role)
            text = _t(
                "log.steps.notified",
                position=step.position,
                subject=render(template.subject, values),
                role=role.name if role else action.role,
                count=len(people),
            )
        if confirm:
            await tx.incidents.add_confirmations(
                incident.id, [p.id for p in people], reason=f"step:{step.step_id}", now=tx.now
            )
        await notify(
            tx,
            incident=incident,
            playbook=playbook,
            people=people,
            kind=kind,
            values=values,
            confirm=confirm,
        )
        await situation_log.append(
            tx,
            incident_id=incident.id,
            kind=EntryKind.NOTIFIED,
            actor="system",
            text=text,
        )


async def start(tx: Tx, *, plan: Plan, playbook: Playbook, incident: Incident, step: Step) -> None:
    """Make a pending step the active one and run its actions."""
    await tx.steps.update(incident.id, step.position, status=StepStatus.ACTIVE)
    await run_actions(tx, plan=plan, playbook=playbook, incident=incident, step=step)


async def advance(tx: Tx, *, plan: Plan, playbook: Playbook, incident: Incident) -> None:
    """Activate the first pending step if no step is active."""
    current = await tx.steps.list(incident.id)
    if any(s.status is StepStatus.ACTIVE for s in current):
        return
    nxt = next((s for s in current if s.status is StepStatus.PENDING), None)
    if nxt is not None:
        await start(tx, plan=plan, playbook=playbook, incident=incident, step=nxt)


async def finish(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    step_ref: str,
    actor_id: str,
    channel: str,
    note: str | None = None,
    skip: bool = False,
) -> Step:
    """Mark a step done (or skipped) with an optional note; the next step becomes active."""
    if note is not None:
        bounds.text(note, field="the note")
    actor = access.person(plan, actor_id)
    async with access.audited(db), db.transaction() as tx:
        incident = await require_open(tx, incident_id)
        playbook = playbook_of(plan, incident)
        all_steps = await tx.steps.list(incident_id)
        step = next(
            (s for s in all_steps if str(s.position) == step_ref or s.step_id == step_ref), None
        )
        if step is None:
            raise NotFoundError(
                "incident {nr} has no step '{step}'; steps are 1-{last}",
                nr=incident_id,
                step=step_ref,
                last=len(all_steps),
            )
        verb = "skip" if skip else "done"
        access.require_role(
            actor,
            [step.owner_role, playbook.leader_role],
            action=f"step.{verb}",
            channel=channel,
            what=Phrase("finish step {position}", position=step.position),
            incident_id=incident_id,
        )
        if step.status in (StepStatus.DONE, StepStatus.SKIPPED):
            raise InvalidStateError(
                "step {position} is already {status}", position=step.position, status=step.status
            )
        if not skip:
            await run_actions(tx, plan=plan, playbook=playbook, incident=incident, step=step)
        status = StepStatus.SKIPPED if skip else StepStatus.DONE
        await tx.steps.update(
            incident_id,
            step.position,
            status=status,
            finished_by=actor.id,
            finished_at=tx.now,
            note=note,
        )
        text = _t(
            "log.steps.skipped" if skip else "log.steps.done",
            position=step.position,
            title=step.title,
            name=actor.name,
        )
        if note:
            text += _t("log.note", note=note)
        await situation_log.append(
            tx, incident_id=incident_id, kind=EntryKind.STEP, actor=actor.id, text=text
        )
        await acknowledgements.confirm_by_action(
            tx,
            incident_id=incident_id,
            person=actor,
            via=channel,
            action=_t("action.finish_step", position=step.position),
        )
        await audit.record(
            tx,
            actor=actor.id,
            action=f"step.{verb}",
            channel=channel,
            incident_id=incident_id,
            detail=f"step {step.position} {step.step_id}",
        )
        await advance(tx, plan=plan, playbook=playbook, incident=incident)
        updated = next(s for s in await tx.steps.list(incident_id) if s.position == step.position)
    return updated
