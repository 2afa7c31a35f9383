"""What the incident page shows one person: the incident read once, shaped for the templates.

The page, its live fragments and the stream all build from here, so a person without the
right to read sensitive entries never gets them from any of the three.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from beredskab import communications, report, residents
from beredskab.communications.languages import LanguageView, for_composer
from beredskab.i18n import Language, clock
from beredskab.incident import facts, need_to_know
from beredskab.models import (
    ConfirmationStatus,
    EntryKind,
    Incident,
    IncidentStatus,
    LogEntry,
    Step,
    StepStatus,
    Task,
    TaskStatus,
)
from beredskab.plan import Plan
from beredskab.security import access
from beredskab.services import Services
from beredskab.storage.repositories.communications import Communication, CommunicationStatus
from beredskab.storage.repositories.notices import Notice
from beredskab.web import duty_view, notice_view, people_view, picture_view
from beredskab.web.texts import text
from contacts.models import Person
from playbooks.schema import Conveneable, Playbook

CHANNEL = "web"
OPEN_TASK = (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED)
OPEN_STEP = (StepStatus.PENDING, StepStatus.ACTIVE)
STAFF_ROLE = "sekretariat"
"""The secretariat staff: they may write in every incident's log (see ``situation_log``)."""
BUILT_KEYS = (
    *text.mark("state_confirmed", "state_declined", "state_pending", "state_unreachable"),
    *text.mark("via_api", "via_cli", "via_email", "via_other", "via_sms", "via_telegram"),
    *text.mark("via_voice", "via_web"),
    *text.mark("channel_email", "channel_sms", "channel_telegram", "channel_voice"),
    *text.mark("delivery_delivered", "delivery_expired", "delivery_failed", "delivery_queued"),
    *text.mark("delivery_sending", "delivery_sent"),
    *text.mark("step_active", "step_done", "step_pending", "step_skipped"),
    *text.mark("task_accepted", "task_assigned", "task_cancelled", "task_declined", "task_done"),
    *text.mark("kind_activated", "kind_closed", "kind_confirmed", "kind_correction"),
    *text.mark("kind_decision", "kind_declined", "kind_delivery", "kind_duty", "kind_joined"),
    *text.mark("kind_media", "kind_note", "kind_notified", "kind_picture", "kind_step"),
    *text.mark("kind_task", "kind_upgraded"),
    *text.mark("duty_kind_as_needed", "duty_kind_assess", "duty_kind_must"),
    *text.mark("audience_associations", "audience_board", "audience_businesses"),
    *text.mark("audience_institutions", "audience_operations", "audience_partners"),
    *text.mark("audience_press", "audience_residents"),
    *text.mark("template_board_orientation", "template_media_holding_line"),
    *text.mark("template_partner_information", "template_resident_information"),
    *text.mark("comm_approved", "comm_discarded", "comm_draft", "comm_sent"),
    *text.mark("lang_current", "lang_missing", "lang_older", "lang_original"),
)
"""Keys the incident page's templates build from a value (``tr("state_" + p.state)``)."""


def local(value: datetime | None, lang: Language = "da", now: datetime | None = None) -> str:
    """A time as the reader's wall clock shows it, with the date unless it is today (as of
    ``now``, default the machine's clock; '' for none; see ``i18n.clock``)."""
    if value is None:
        return ""
    return clock(value, now=now or datetime.now(UTC), language=lang)


_Show = Callable[[datetime | None], str]
"""Formats a time for the viewer (``local`` with their language and the database clock)."""


@dataclass(frozen=True, slots=True)
class StepRow:
    """A plan step with who finished it and whether the viewer may."""

    step: Step
    owner: str
    due: str
    finished_by: str
    finished_at: str
    may_finish: bool


@dataclass(frozen=True, slots=True)
class TaskRow:
    """An outreach task: who contacts whom, how it went."""

    task: Task
    assignee: str
    group: str
    may_change: bool
    given_by: str = ""
    """Who gave a chief's task (empty for outreach tasks)."""
    due: str = ""


@dataclass(frozen=True, slots=True)
class LogRow:
    """A situation-log entry as shown."""

    entry: LogEntry
    actor: str
    at: str


@dataclass(frozen=True, slots=True)
class CommRow:
    """A crisis communication with what the viewer may do with it."""

    item: Communication
    drafted_by: str
    approved_by: str
    drafted_at: str
    approved_at: str
    sent_at: str
    recipients: int
    """Who a send reaches now (before sending) or reached (after)."""
    may_edit: bool
    may_approve: bool
    may_send: bool
    languages: tuple[LanguageView, ...] = ()
    """Danish and the other languages side by side (``communications.languages``)."""


@dataclass(frozen=True, slots=True)
class Powers:
    """What the viewer may do on this incident (the use cases check again)."""

    leader: bool
    read_sensitive: bool
    write_log: bool
    close: bool
    upgrade_to: tuple[Playbook, ...]
    reassign: bool
    draft: bool
    approve: bool
    facts: bool = False
    """May correct the journal number, zone and description (``incident.facts``)."""


@dataclass(frozen=True, slots=True)
class IncidentView:
    """The incident page for one viewer."""

    incident: Incident
    playbook: Playbook | None
    is_open: bool
    activated_by: str
    activated_at: str
    closed_by: str
    closed_at: str
    people: tuple[people_view.PersonRow, ...]
    confirmed: int
    steps: tuple[StepRow, ...]
    tasks: tuple[TaskRow, ...]
    open_tasks: int
    log: tuple[LogRow, ...]
    withheld: int
    chain_ok: bool
    chain_head: str
    """The situation log's chain head, ``COUNT:HASH`` (README: Tamper evidence)."""
    powers: Powers
    staff: tuple[Person, ...]
    comms: tuple[CommRow, ...]
    reach: dict[str, int]
    """How many each audience reaches for this incident, by audience id."""
    audiences: tuple[str, ...]
    templates: tuple[str, ...]
    everyone: tuple[Person, ...] = ()
    """Who the leader can give a task to: every person in the directory, by name."""
    meetings: tuple[Conveneable, ...] = ()
    """The playbook's meetings the leader may convene (TOT, Lokalråd)."""
    duties: tuple[duty_view.DutyRow, ...] = ()
    """The leader's duty checklist (empty for everyone else)."""
    picture: picture_view.PictureView | None = None
    """The situation picture as this viewer sees it."""
    published: dict[int, Notice] = field(default_factory=dict)
    """The communications on the public notice page, by id (README: Public notice page)."""


def name_of(plan: Plan, person_id: str | None) -> str:
    """A person's name, or the id for the system and people no longer in the directory."""
    if not person_id:
        return ""
    if person_id == "system":
        return text("system")
    person = plan.directory.person(person_id)
    return person.name if person else person_id


def leader_role(playbook: Playbook | None) -> str:
    """The role that leads an incident of this playbook."""
    return playbook.leader_role if playbook else "projektchef"


def powers(plan: Plan, incident: Incident, person: Person, *, involved: bool) -> Powers:
    """What this person may do on this incident, from their roles in the directory."""
    playbook = plan.playbook(incident.playbook_id)
    leader = access.has_role(person, [leader_role(playbook)])
    is_open = incident.status is IncidentStatus.ACTIVE
    number = playbook.number if playbook else 0
    upgrades = tuple(
        p
        for p in plan.playbooks.playbooks
        if p.number > number and access.has_role(person, p.activation.roles)
    )
    closers = (leader_role(playbook), *(playbook.activation.roles if playbook else ()))
    writers = (leader_role(playbook), STAFF_ROLE)
    return Powers(
        leader=leader,
        read_sensitive=report.may_read_sensitive(plan=plan, incident=incident, person=person),
        write_log=is_open and (involved or access.has_role(person, writers)),
        close=is_open and access.has_role(person, closers),
        upgrade_to=upgrades if is_open else (),
        reassign=is_open and leader,
        draft=is_open
        and playbook is not None
        and communications.may_draft(playbook=playbook, person=person),
        approve=is_open
        and playbook is not None
        and communications.may_approve(playbook=playbook, person=person),
        facts=is_open and facts.may_correct(plan, incident, person),
    )


def _comm_rows(
    plan: Plan,
    view: report.Overview,
    may: Powers,
    reach: dict[str, int],
    show: _Show,
    langs: Callable[[Communication], tuple[LanguageView, ...]],
) -> tuple[CommRow, ...]:
    rows: list[CommRow] = []
    for item in reversed(view.communications):
        if item.status is CommunicationStatus.DISCARDED:
            continue
        draft = item.status is CommunicationStatus.DRAFT
        rows.append(
            CommRow(
                item=item,
                drafted_by=name_of(plan, item.drafted_by),
                approved_by=name_of(plan, item.approved_by),
                drafted_at=show(item.drafted_at),
                approved_at=show(item.approved_at),
                sent_at=show(item.sent_at),
                recipients=item.recipients
                if item.recipients is not None
                else sum(reach.get(a, 0) for a in item.audience.split(",")),
                may_edit=may.draft and draft,
                may_approve=may.approve and draft,
                may_send=may.draft and item.status is CommunicationStatus.APPROVED,
                languages=langs(item),
            )
        )
    return tuple(rows)


async def build(
    *, app: Services, person: Person, incident_id: int, lang: Language = "da"
) -> IncidentView:
    """Read the incident for one viewer; a read that includes sensitive entries is audited."""
    plan = app.plan
    view = await report.overview(db=app.db, incident_id=incident_id)
    now = await app.db.now()

    def show(value: datetime | None) -> str:
        return local(value, lang, now)

    incident = view.incident
    playbook = plan.playbook(incident.playbook_id)
    involved = any(c.person_id == person.id for c in view.confirmations) or any(
        t.assignee == person.id for t in view.tasks
    )
    may = powers(plan, incident, person, involved=involved)
    view = need_to_know.redact(plan, person, view)  # names and journal no.: need to know
    incident = view.incident
    is_open = incident.status is IncidentStatus.ACTIVE
    sensitive = [e for e in view.log if e.sensitive]
    if may.read_sensitive and sensitive:
        await report.authorise_sensitive(
            db=app.db,
            plan=plan,
            incident=incident,
            actor_id=person.id,
            channel=CHANNEL,
            detail="incident page with sensitive entries "
            + ", ".join(str(e.seq) for e in sensitive),
        )
    shown = [e for e in view.log if may.read_sensitive or not e.sensitive]
    labels = plan.labels()
    leader = leader_role(playbook)
    step_rows = tuple(
        StepRow(
            step=s,
            owner=labels.get(s.owner_role, s.owner_role),
            due=show(s.due_at),
            finished_by=name_of(plan, s.finished_by),
            finished_at=show(s.finished_at),
            may_finish=is_open
            and s.status in OPEN_STEP
            and access.has_role(person, [s.owner_role, leader]),
        )
        for s in view.steps
    )
    task_rows = tuple(
        TaskRow(
            task=t,
            assignee=name_of(plan, t.assignee),
            group=labels.get(t.group_id, t.group_id) if t.group_id else "",
            given_by=name_of(plan, t.created_by),
            due=show(t.due_at),
            may_change=is_open
            and t.status in (*OPEN_TASK, TaskStatus.DECLINED)
            and (t.assignee == person.id or may.leader),
        )
        for t in view.tasks
    )
    reach = {
        a.id: sum(
            bool(r.channels)
            for r in communications.recipients(plan=plan, incident=incident, audience=a)
        )
        for a in communications.AUDIENCES.values()
    }
    reach[communications.RESIDENTS] = sum(
        c.count
        for c in await residents.counts(db=app.db)
        if incident.zone is None or c.zone == incident.zone
    )
    staff_ids = {a.staff for a in plan.directory.assignments}
    staff = tuple(p for p in plan.directory.people if p.id in staff_ids or STAFF_ROLE in p.roles)
    return IncidentView(
        incident=incident,
        playbook=playbook,
        is_open=is_open,
        activated_by=name_of(plan, incident.activated_by),
        activated_at=show(incident.created_at),
        closed_by=name_of(plan, incident.closed_by),
        closed_at=show(incident.closed_at),
        people=people_view.rows(plan, view, show),
        confirmed=sum(c.status is ConfirmationStatus.CONFIRMED for c in view.confirmations),
        steps=step_rows,
        tasks=task_rows,
        open_tasks=sum(t.status in OPEN_TASK for t in view.tasks),
        log=tuple(
            LogRow(entry=e, actor=name_of(plan, e.actor), at=show(e.created_at))
            for e in reversed(shown)
        ),
        withheld=len(view.log) - len(shown),
        chain_ok=view.chain.ok,
        chain_head=view.chain.head.short if view.chain.head else "-",
        powers=may,
        staff=staff,
        comms=_comm_rows(
            plan,
            view,
            may,
            reach,
            show,
            lambda item: for_composer(
                plan=plan,
                incident=incident,
                playbook=playbook,
                item=item,
                max_segments=app.settings.sms.max_segments_warning,
            ),
        ),
        reach=reach,
        audiences=tuple(communications.AUDIENCES),
        templates=tuple(t.value for t in communications.TEMPLATES),
        everyone=tuple(sorted(plan.directory.people, key=lambda p: p.name)),
        meetings=playbook.conveneable if playbook else (),
        duties=duty_view.rows(plan, playbook, view.log, show) if may.leader else (),
        picture=picture_view.build(
            plan=plan,
            incident=incident,
            person=person,
            history=view.picture,
            confirmations=view.confirmations,
            read_sensitive=may.read_sensitive,
            may_draft=may.draft,
        ),
        published=await notice_view.published(app, incident_id),
    )


__all__ = ["EntryKind", "IncidentView", "build", "local", "name_of", "powers"]
