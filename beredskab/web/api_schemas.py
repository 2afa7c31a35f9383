"""Request and response bodies of the JSON API (``/api/v1``), as documented in its OpenAPI.

These are the API's contract, kept apart from the domain models so the domain can change
without changing what integrations see. Datetimes are ISO 8601 in UTC (``...Z``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from beredskab.boundary import bounds
from beredskab.boundary.bounds import NUL_FREE_PATTERN
from beredskab.models import (
    Confirmation,
    ConfirmationStatus,
    EntryKind,
    IncidentStatus,
    LogEntry,
    StepStatus,
    Task,
    TaskStatus,
)

UtcDatetime = Annotated[datetime, AfterValidator(lambda value: value.astimezone(UTC))]

_NOT_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"


def _bounded(max_chars: int, pattern: str = NUL_FREE_PATTERN) -> StringConstraints:
    """Text of at most ``max_chars``, without NUL (the OpenAPI pattern says so), trimmed."""
    return StringConstraints(max_length=max_chars, pattern=pattern)


Text = Annotated[str, _bounded(2000), AfterValidator(str.strip)]
"""Optional free text: at most 2,000 characters, no NUL; trimmed."""
Required = Annotated[str, _bounded(bounds.TEXT_CHARS, _NOT_BLANK), AfterValidator(str.strip)]
"""Free text that must say something: not blank, at most 4,000 characters, no NUL."""
PlaybookRef = Annotated[
    str,
    _bounded(bounds.PLAYBOOK_ID_CHARS, _NOT_BLANK),
    AfterValidator(str.strip),
    Field(
        description="Playbook id, number or name, e.g. 'gruppe-1' or '1'; unknown → 404",
        examples=["gruppe-1", "1", "2"],
    ),
]
PoliceCase = Annotated[
    str,
    _bounded(bounds.POLICE_CASE_CHARS),
    AfterValidator(str.strip),
    Field(description="Police journal number"),
]


def _integral(value: object) -> object:
    """JSON Schema counts ``3.0`` as an integer; so do we (``"3"`` and ``true`` are not)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# the constraint before the validator, so the OpenAPI says minimum/maximum
EntryNumber = Annotated[int, Field(ge=1, le=bounds.MAX_ID), BeforeValidator(_integral)]
Zone = Annotated[
    int,
    Field(ge=1, le=4, description="Zone 1-4; null for the whole area"),
    BeforeValidator(_integral),
]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class _In(BaseModel):
    """A request body: exactly the documented fields, each of its documented JSON type (no
    ``0`` for ``false``, no ``"2"`` for ``2``)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Problem(BaseModel):
    """An error: what went wrong and, where it helps, what to do next (for a malformed
    request, FastAPI's list of problems, each with ``loc``, ``msg`` and ``type``)."""

    detail: str | list[dict[str, Any]]


class IncidentOut(_Out):
    """One activation of a playbook."""

    id: int
    playbook_id: str
    playbook_name: str
    plan_version: str
    title: str
    description: str
    zone: int | None = Field(description="Zone 1-4, or null for the whole area")
    police_case: str | None = Field(description="Police journal number (group 2)")
    drill: bool = Field(description="True for a drill (ØVELSE): every message says so")
    status: IncidentStatus
    activated_by: str = Field(description="Person id of the activator")
    activated_via: str = Field(description="Channel of the activation: sms, telegram, api, ...")
    created_at: UtcDatetime
    closed_at: UtcDatetime | None
    closed_by: str | None


class ConfirmationOut(_Out):
    """A person asked to confirm the incident, and their answer."""

    person_id: str
    person_name: str
    reason: str = Field(description="'participant', or 'step:<id>' when a step asked them")
    status: ConfirmationStatus
    via: str | None = Field(description="Channel of the answer")
    updated_at: UtcDatetime

    @classmethod
    def of(cls, confirmation: Confirmation, names: dict[str, str]) -> ConfirmationOut:
        """From the domain row, with the person's name."""
        return cls(
            **confirmation.model_dump(exclude={"incident_id"}),
            person_name=names.get(confirmation.person_id, confirmation.person_id),
        )


class StepOut(_Out):
    """A plan step within the incident."""

    position: int
    step_id: str
    title: str
    description: str
    owner_role: str
    due_at: UtcDatetime
    status: StepStatus
    finished_by: str | None
    finished_at: UtcDatetime | None
    note: str | None


class TaskOut(_Out):
    """A task: an outreach task (a staff member contacts a target) or one the chief gave."""

    number: int
    assignee: str
    assignee_name: str
    target_id: str | None = Field(description="Null for a task the chief gave")
    target_name: str | None = Field(description="Null for a task the chief gave")
    group_id: str | None = Field(description="Null for a task the chief gave")
    zone: int | None
    status: TaskStatus
    outcome: str | None
    updated_at: UtcDatetime
    text: str | None = Field(default=None, description="What the chief asked for")
    due_at: UtcDatetime | None = None
    created_by: str | None = Field(default=None, description="Who gave the task")

    @classmethod
    def of(cls, task: Task, names: dict[str, str]) -> TaskOut:
        """From the domain row, with the assignee's name."""
        return cls(
            **task.model_dump(exclude={"incident_id"}),
            assignee_name=names.get(task.assignee, task.assignee),
        )


class LogEntryOut(_Out):
    """One situation-log entry; a sensitive entry's text is withheld unless asked for."""

    seq: int
    kind: EntryKind
    actor: str
    text: str | None = Field(description="Null when the entry is sensitive and withheld")
    sensitive: bool
    withheld: bool
    corrects: int | None = Field(description="The entry this one corrects")
    created_at: UtcDatetime

    @classmethod
    def of(cls, entry: LogEntry, *, reveal: bool) -> LogEntryOut:
        """From the domain entry; sensitive text only when ``reveal``."""
        withheld = entry.sensitive and not reveal
        return cls(
            seq=entry.seq,
            kind=entry.kind,
            actor=entry.actor,
            text=None if withheld else entry.text,
            sensitive=entry.sensitive,
            withheld=withheld,
            corrects=entry.corrects,
            created_at=entry.created_at,
        )


class IncidentDetail(BaseModel):
    """An incident with its confirmations, steps and tasks."""

    incident: IncidentOut
    confirmations: list[ConfirmationOut]
    steps: list[StepOut]
    tasks: list[TaskOut]


class ActivationOut(BaseModel):
    """The incident; ``joined`` when an incident of the same kind (real or drill) was open and
    the call joined it; ``incident.drill`` says whether it is a drill."""

    incident: IncidentOut
    joined: bool
    participants: int = Field(description="People newly asked to confirm")
    messages: int = Field(description="Messages queued for delivery")
    pending_participants: int = Field(
        default=0,
        description="Of the participants, those queued right after the answer (a large "
        "activation streams them in chunks; the log says when all are queued)",
    )
    halted_drill: int | None = Field(
        default=None,
        description="Number of the open drill this real activation halted (ØVELSE AFBRUDT)",
    )
    police_case_missing: bool = Field(
        default=False,
        description="Group 2 without a journal number yet: the activator is reminded",
    )
    asked: list[str] = Field(
        default_factory=list, description="Upgrade: names of those asked to confirm the new group"
    )
    message: str = Field(default="", description="What happened, in words (Danish)")


class StandDownOut(BaseModel):
    """The closed incident and what the stand-down queued."""

    incident: IncidentOut
    messages: int = Field(description="Stand-down messages queued")
    expired: int = Field(description="Unsent alerts that expired")


class AckOut(BaseModel):
    """The caller's confirmation after the call; ``changed`` is false for a repeat."""

    confirmation: ConfirmationOut
    changed: bool
    deputy: str | None = Field(description="Person id of the deputy asked after a decline")


class TaskChangeOut(BaseModel):
    """The task after the call; ``changed`` is false when it already had that status."""

    task: TaskOut
    changed: bool
    offered_to: str | None = Field(
        default=None,
        description="After a decline: the person id of the staff member the task was offered "
        "to next (``task`` is the task as declined); null when it waits for the leader",
    )


class ActivateIn(_In):
    """Activate a playbook (or join its open incident)."""

    playbook: PlaybookRef
    description: Text = ""
    zone: Zone | None = None
    police_case: PoliceCase | None = None
    police_case_pending: bool = Field(
        default=False,
        description="Group 2 without the journal number: it comes later (you are reminded)",
    )
    drill: bool = False


class UpgradeIn(_In):
    """Move the open incident to another playbook (group 1 → 2)."""

    playbook: PlaybookRef
    police_case: PoliceCase | None = None
    police_case_pending: bool = Field(
        default=False, description="Group 2 without the journal number: it comes later"
    )


class CloseIn(_In):
    """Stand the incident down, with an optional note for the log."""

    note: Text = ""


class AckIn(_In):
    """The caller confirms (default) or declines."""

    answer: Literal["confirm", "decline"] = "confirm"


class LogIn(_In):
    """A note, decision, media observation or correction for the situation log."""

    text: Required
    kind: Literal["note", "decision", "media", "correction"] = "note"
    sensitive: bool = False
    corrects: EntryNumber | None = Field(default=None, description="Entry number corrected")


class StepIn(_In):
    """Finish a step: done (its actions run if they have not) or skip."""

    action: Literal["done", "skip"]
    note: Text | None = None


class TaskIn(_In):
    """Accept, finish or decline an outreach task; ``outcome`` records what came of it."""

    action: Literal["accept", "done", "decline"]
    outcome: Text | None = None


Fact = Literal["police_case", "zone", "description"]


JournalNumber = Annotated[
    str,
    _bounded(bounds.POLICE_CASE_CHARS, _NOT_BLANK),
    AfterValidator(str.strip),
    Field(description="Police journal number (only a playbook with a police case)"),
]
Description = Annotated[
    str,
    _bounded(bounds.TEXT_CHARS, _NOT_BLANK),
    AfterValidator(str.strip),
    Field(description="What happened; the title follows its first line"),
]
"""Not blank, without NUL, trimmed (the constraint before the validator, for the OpenAPI)."""


class FactsIn(_In):
    """Correct an open incident's facts; a field left out (or null) stays as it is, so ``{}``
    changes nothing."""

    police_case: JournalNumber | None = None
    zone: Zone | None = Field(default=None, description="Zone 1-4; null or left out: unchanged")
    description: Description | None = None


class FactsOut(_Out):
    """The incident after the correction and which facts changed (empty: nothing changed)."""

    incident: IncidentOut
    changed: list[Fact] = Field(description="Each changed fact has a correction log entry")
