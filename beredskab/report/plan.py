"""The plan as people read it: prepared once from the loaded plan, rendered as the web page
(``/plan``), PDF (``/plan.pdf``), Markdown and standalone HTML (``beredskab plan show``).

``build`` turns a ``Plan`` into ``PlanView`` (``plan_document`` lays it out for PDF,
Markdown and standalone HTML): every playbook in full (purpose, crisis
definition, principles, §3 duties, steps with owner, deadline and what they trigger, outreach
groups with who contacts whom, communication rules, situation-picture headings, follow-ups)
and the directory's roles with who holds them. Every value is a Danish display string.

Personal data: people and outreach targets appear by name (and title, organisation, zone) as
the directory has them; phone numbers, email addresses and target notes never do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from beredskab.plan import Plan
from beredskab.report.blocks import local_time, texts
from contacts.models import Person
from playbooks.schema import (
    ConveneAction,
    NotifyAction,
    OutreachAction,
    Playbook,
    Step,
    TemplateKind,
)

_DUTY_KINDS = texts.mark("plan.duty_kind.must", "plan.duty_kind.assess", "plan.duty_kind.as_needed")
_TEMPLATES = texts.mark(
    "plan.template.activation",
    "plan.template.reminder",
    "plan.template.escalation",
    "plan.template.board_orientation",
    "plan.template.resident_information",
    "plan.template.partner_information",
    "plan.template.media_holding_line",
    "plan.template.stand_down",
    "plan.template.staff_callout",
    "plan.template.outreach_task",
)


def duty_kind(kind: str) -> str:
    """How a duty's ``kind`` reads ("skal", "vurderer", "efter behov")."""
    key = f"plan.duty_kind.{kind}"
    return texts(key) if key in _DUTY_KINDS else kind


def template_name(kind: TemplateKind) -> str:
    """How a message template is named in a sentence ("påmindelsen"); its id when it has no
    name."""
    key = f"plan.template.{kind.value}"
    return texts(key) if key in _TEMPLATES else kind.value


class Format(StrEnum):
    """The formats ``beredskab plan show`` writes."""

    MARKDOWN = "md"
    HTML = "html"
    PDF = "pdf"


@dataclass(frozen=True)
class DutyLine:
    """A §3 duty: which role, what, how binding, where in the source plan."""

    id: str
    role: str
    text: str
    kind: str
    source: str


@dataclass(frozen=True)
class StepLine:
    """A step in order: owner, deadline after activation and what it sets off."""

    position: int
    title: str
    description: str
    owner: str
    due: str
    triggers: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Contact:
    """A standing assignment within an outreach group: staff member → target."""

    staff: str
    target: str
    zone: str
    organisation: str


@dataclass(frozen=True)
class GroupLine:
    """An outreach target group and who contacts whom in it."""

    name: str
    description: str
    per_zone: bool
    contacts: tuple[Contact, ...]


@dataclass(frozen=True)
class CommLine:
    """A communication rule: audience, who informs it (and consults whom), with what."""

    audience: str
    responsible: str
    consult: str
    template: str
    purpose: str


@dataclass(frozen=True)
class FollowLine:
    """Something to follow up after stand-down."""

    text: str
    role: str
    after: str


@dataclass(frozen=True)
class PlaybookView:
    """One playbook in full."""

    id: str
    number: int
    name: str
    description: str
    purpose: tuple[str, ...]
    crisis_definition: str
    police_case: bool
    principles: tuple[str, ...]
    leader: str
    activators: tuple[str, ...]
    condition: str
    notes: tuple[str, ...]
    participants: tuple[str, ...]
    escalation: str
    duties: tuple[DutyLine, ...]
    steps: tuple[StepLine, ...]
    groups: tuple[GroupLine, ...]
    communication: tuple[CommLine, ...]
    picture_title: str
    picture_headings: tuple[str, ...]
    follow_up: tuple[FollowLine, ...]


@dataclass(frozen=True)
class RoleLine:
    """A directory role and who holds it now (not part of the signed plan version)."""

    id: str
    name: str
    description: str
    holders: tuple[str, ...]


@dataclass(frozen=True)
class PlanView:
    """The whole plan, ready to lay out."""

    version: str
    generated_at: str
    example_directory: bool
    playbooks: tuple[PlaybookView, ...]
    roles: tuple[RoleLine, ...]


def minutes(value: int) -> str:
    """A deadline after activation in words: "ved aktivering", "15 min", "1 t 30 min"."""
    if value == 0:
        return texts("plan.due.at_activation")
    hours, rest = divmod(value, 60)
    if not hours:
        return texts("plan.due.minutes", minutes=rest)
    if not rest:
        return texts("plan.due.hours", hours=hours)
    return texts("plan.due.hours_minutes", hours=hours, minutes=rest)


def days(value: float) -> str:
    """Days after stand-down in words."""
    number = int(value) if float(value).is_integer() else value
    return texts("plan.after_day" if number == 1 else "plan.after_days", days=number)


def _who(person: Person) -> str:
    return f"{person.name} ({person.title})" if person.title else person.name


def _triggers(step: Step, role: dict[str, str], group: dict[str, str]) -> tuple[str, ...]:
    out: list[str] = []
    for action in step.actions:
        if isinstance(action, OutreachAction):
            names = ", ".join(group.get(g, g) for g in action.groups)
            out.append(texts("plan.trigger.outreach", groups=names))
        elif isinstance(action, ConveneAction):
            out.append(
                texts(
                    "plan.trigger.convene",
                    role=role.get(action.role, action.role),
                    meeting=action.meeting,
                    place=action.place,
                )
            )
        else:
            assert isinstance(action, NotifyAction)
            out.append(
                texts(
                    "plan.trigger.notify_confirm" if action.confirm else "plan.trigger.notify",
                    template=template_name(action.template),
                    role=role.get(action.role, action.role),
                )
            )
    return tuple(out)


def _contacts(plan: Plan, group_id: str) -> tuple[Contact, ...]:
    directory = plan.directory
    found: list[Contact] = []
    for assignment in directory.assignments:
        staff = directory.person(assignment.staff)
        for target_id in assignment.targets:
            target = directory.target(target_id)
            if target is None or target.group != group_id:
                continue
            found.append(
                Contact(
                    staff=staff.name if staff else assignment.staff,
                    target=target.name,
                    zone=str(target.zone) if target.zone else texts("whole_area"),
                    organisation=target.organisation,
                )
            )
    return tuple(sorted(found, key=lambda c: (c.zone, c.staff, c.target)))


def _playbook(plan: Plan, pb: Playbook) -> PlaybookView:
    role = {r.id: r.name for r in plan.directory.roles}
    group = {g.id: g.name for g in pb.outreach_groups}
    esc = pb.escalation
    escalation = texts(
        "plan.escalation",
        renotify=esc.renotify_after_minutes,
        deputy=esc.deputy_after_minutes,
        report=esc.report_missing_after_minutes,
        channels=", ".join(esc.channels),
    )
    return PlaybookView(
        id=pb.id,
        number=pb.number,
        name=pb.name,
        description=pb.description.strip(),
        purpose=pb.purpose,
        crisis_definition=pb.crisis_definition.strip(),
        police_case=pb.police_case,
        principles=pb.principles,
        leader=role.get(pb.leader_role, pb.leader_role),
        activators=tuple(role.get(r, r) for r in pb.activation.roles),
        condition=pb.activation.condition.strip(),
        notes=pb.activation.notes,
        participants=tuple(role.get(r, r) for r in pb.participants),
        escalation=escalation,
        duties=tuple(
            DutyLine(
                id=d.id,
                role=role.get(d.role, d.role),
                text=d.text.strip(),
                kind=duty_kind(d.kind),
                source=d.source,
            )
            for d in pb.duties
        ),
        steps=tuple(
            StepLine(
                position=n,
                title=s.title,
                description=s.description.strip(),
                owner=role.get(s.owner_role, s.owner_role),
                due=minutes(s.due_after_minutes),
                triggers=_triggers(s, role, group),
                source=s.source,
            )
            for n, s in enumerate(pb.steps, start=1)
        ),
        groups=tuple(
            GroupLine(
                name=g.name,
                description=g.description.strip(),
                per_zone=g.per_zone,
                contacts=_contacts(plan, g.id),
            )
            for g in pb.outreach_groups
        ),
        communication=tuple(
            CommLine(
                audience=c.audience,
                responsible=role.get(c.responsible_role, c.responsible_role),
                consult=role.get(c.consult_role, c.consult_role) if c.consult_role else "",
                template=template_name(c.template),
                purpose=c.purpose.strip(),
            )
            for c in pb.communication
        ),
        picture_title=pb.situation_picture.title,
        picture_headings=pb.situation_picture.headings,
        follow_up=tuple(
            FollowLine(text=f.text, role=role.get(f.role, f.role), after=days(f.after_days))
            for f in pb.follow_up
        ),
    )


def build(plan: Plan, *, generated_at: datetime | None = None) -> PlanView:
    """Prepare the whole plan for reading."""
    directory = plan.directory
    return PlanView(
        version=plan.version,
        generated_at=local_time(generated_at or datetime.now(UTC)),
        example_directory=directory.example,
        playbooks=tuple(_playbook(plan, pb) for pb in plan.playbooks.playbooks),
        roles=tuple(
            RoleLine(
                id=r.id,
                name=r.name,
                description=r.description,
                holders=tuple(_who(p) for p in directory.with_role(r.id)),
            )
            for r in directory.roles
        ),
    )
