"""Who was asked to confirm, as the incident page's confirmations board shows them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from beredskab import report
from beredskab.models import ConfirmationStatus, Delivery
from beredskab.plan import Plan
from notifier.types import DeliveryStatus

_Show = Callable[[datetime | None], str]

LIVE = (
    DeliveryStatus.QUEUED,
    DeliveryStatus.SENDING,
    DeliveryStatus.SENT,
    DeliveryStatus.DELIVERED,
)
VIA = frozenset({"web", "api", "email", "sms", "voice", "telegram", "cli"})
"""Channels a confirmation arrives through that the page names; anything else is "other"."""


@dataclass(frozen=True, slots=True)
class ChannelState:
    """The newest message to a person on one channel and how far it got."""

    channel: str
    status: str
    at: str


@dataclass(frozen=True, slots=True)
class PersonRow:
    """One person asked to confirm: confirmed, not yet, declined or unreachable."""

    person_id: str
    name: str
    title: str
    state: str
    via: str
    at: str
    channels: tuple[ChannelState, ...]
    reason: str
    """Text key of why they were asked ("" for a participant of the group)."""
    reason_about: str


def _name(plan: Plan, person_id: str) -> str:
    person = plan.directory.person(person_id)
    return person.name if person else person_id


def _channels(rows: Sequence[Delivery], show: _Show) -> tuple[ChannelState, ...]:
    newest: dict[str, Delivery] = {}
    for d in rows:
        newest[d.channel.value] = d  # rows come oldest first
    return tuple(
        ChannelState(channel=c, status=d.status.value, at=show(d.updated_at))
        for c, d in sorted(newest.items())
    )


def _reason(plan: Plan, view: report.Overview, reason: str) -> tuple[str, str]:
    kind, _, ref = reason.partition(":")
    if kind == "step":
        step = next((s for s in view.steps if s.step_id == ref), None)
        return "reason_step", step.title if step else ref
    if kind == "deputy":
        return "reason_deputy", _name(plan, ref)
    if kind == "convene":
        playbook = plan.playbook(view.incident.playbook_id)
        meeting = next((m for m in playbook.conveneable if m.id == ref), None) if playbook else None
        return "reason_convene", meeting.meeting if meeting else ref
    return "", ""


def rows(plan: Plan, view: report.Overview, show: _Show) -> tuple[PersonRow, ...]:
    """Everyone asked to confirm, the unreachable first, with their newest message per channel."""
    by_person: dict[str, list[Delivery]] = {}
    for d in view.deliveries:
        by_person.setdefault(d.person_id, []).append(d)
    rows: list[PersonRow] = []
    for c in view.confirmations:
        person = plan.directory.person(c.person_id)
        sent = by_person.get(c.person_id, [])
        state = c.status.value
        reason, about = _reason(plan, view, c.reason)
        if c.status is ConfirmationStatus.PENDING and not any(d.status in LIVE for d in sent):
            state = "unreachable"
        rows.append(
            PersonRow(
                person_id=c.person_id,
                name=person.name if person else c.person_id,
                title=person.title if person else "",
                state=state,
                via=(c.via if c.via in VIA else "other") if c.via else "other",
                at=show(c.updated_at) if c.status is not ConfirmationStatus.PENDING else "",
                channels=_channels(sent, show),
                reason=reason,
                reason_about=about,
            )
        )
    order = {"unreachable": 0, "declined": 1, "pending": 2, "confirmed": 3}
    return tuple(sorted(rows, key=lambda r: (order.get(r.state, 9), r.name)))
