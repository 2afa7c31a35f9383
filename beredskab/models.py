"""Domain types of the running service: what happens during an incident.

These are what repositories return; ORM rows never leave ``beredskab.storage``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from notifier.types import ChannelKind, DeliveryStatus


class _Model(BaseModel):
    """A model's validator is built when it is first used, not at import: `beredskab status`
    builds ``Incident``'s alone."""

    model_config = ConfigDict(frozen=True, from_attributes=True, defer_build=True)


def build_validators() -> None:
    """Build every model's validator now instead of at its first use: ``serve`` does so once
    ready, so its first activation does not pay for them (about 7 ms)."""
    for model in _Model.__subclasses__():
        model.model_rebuild(force=True)


class IncidentStatus(StrEnum):
    """An incident is open until stood down."""

    ACTIVE = "active"
    CLOSED = "closed"


class ConfirmationStatus(StrEnum):
    """Whether a notified person has confirmed."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class StepStatus(StrEnum):
    """Life cycle of a plan step within an incident."""

    PENDING = "pending"
    ACTIVE = "active"
    DONE = "done"
    SKIPPED = "skipped"


class TaskStatus(StrEnum):
    """Life cycle of an outreach task."""

    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    DONE = "done"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class EntryKind(StrEnum):
    """What a situation-log entry records."""

    ACTIVATED = "activated"
    JOINED = "joined"
    UPGRADED = "upgraded"
    NOTIFIED = "notified"
    DELIVERY = "delivery"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    STEP = "step"
    TASK = "task"
    NOTE = "note"
    DECISION = "decision"
    MEDIA = "media"
    CORRECTION = "correction"
    DUTY = "duty"
    PICTURE = "picture"
    CLOSED = "closed"


class Incident(_Model):
    """One activation of a playbook."""

    id: int
    playbook_id: str
    playbook_name: str
    plan_version: str
    title: str
    description: str
    zone: int | None
    police_case: str | None
    drill: bool
    status: IncidentStatus
    activated_by: str
    activated_via: str
    created_at: datetime
    closed_at: datetime | None
    closed_by: str | None


class Confirmation(_Model):
    """A person asked to confirm an incident, and whether they did."""

    incident_id: int
    person_id: str
    reason: str
    status: ConfirmationStatus
    via: str | None
    updated_at: datetime


class Delivery(_Model):
    """One outbound message to one person on one channel (an outbox row)."""

    id: int
    incident_id: int | None
    person_id: str
    channel: ChannelKind
    address: str
    template: str
    subject: str
    text: str
    short_text: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    lease_until: datetime | None
    provider_id: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    notification: str
    policy: str
    alternates: str
    fell_back: bool
    actions: str
    language: str

    def next_channels(self) -> list[tuple[ChannelKind, str]]:
        """The channels still to try for this notification, first next."""
        pairs = (line.split(" ", 1) for line in self.alternates.splitlines() if line.strip())
        return [(ChannelKind(kind), address) for kind, address in pairs]


class ActionToken(_Model):
    """An opaque key behind a button: one recipient, one action, and the delivery that carries
    it (None for buttons the Telegram bot shows itself)."""

    token: str
    delivery_id: int | None
    incident_id: int | None
    person_id: str
    action: str
    label: str
    created_at: datetime
    used_at: datetime | None


class Step(_Model):
    """A plan step instantiated for an incident."""

    incident_id: int
    position: int
    step_id: str
    title: str
    description: str
    owner_role: str
    due_at: datetime
    status: StepStatus
    actions_done: bool
    finished_by: str | None
    finished_at: datetime | None
    note: str | None


class Task(_Model):
    """A task: an outreach task (a staff member contacts a target) or one the chief gave.

    Outreach tasks have a target; the chief's tasks have a ``text`` instead, and may have a
    due time.
    """

    incident_id: int
    number: int
    assignee: str
    target_id: str | None
    target_name: str | None
    group_id: str | None
    zone: int | None
    status: TaskStatus
    outcome: str | None
    updated_at: datetime
    text: str | None = None
    due_at: datetime | None = None
    created_by: str | None = None
    declined_by: str | None = None
    """Who has declined the task, space-separated ids (it is never offered to them again)."""

    @property
    def decliners(self) -> tuple[str, ...]:
        """The people who have declined the task, in order."""
        return tuple((self.declined_by or "").split())

    @property
    def title(self) -> str:
        """What the task is about: its target, or the chief's text (shortened)."""
        if self.target_name:
            return self.target_name
        text = " ".join((self.text or "").split())
        return text if len(text) <= 60 else text[:59].rstrip() + "…"


class LogEntry(_Model):
    """One append-only, hash-chained situation-log entry."""

    incident_id: int
    seq: int
    kind: EntryKind
    actor: str
    text: str
    sensitive: bool
    corrects: int | None
    created_at: datetime
    prev_hash: str
    hash: str
    scheme: str = "hmac-sha256"
    """How ``hash`` was made: "hmac-sha256" (keyed) or "sha256" (written before the key)."""


class AuditEntry(_Model):
    """Who did what, from where, and whether it was allowed."""

    id: int
    at: datetime
    actor: str
    action: str
    channel: str
    incident_id: int | None
    allowed: bool
    detail: str
    count: int = 1
    """How many times: refusals from unauthenticated sources are counted per minute."""
