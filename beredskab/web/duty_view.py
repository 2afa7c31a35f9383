"""The leader's §3 duty checklist as the incident page shows it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from beredskab.incident import duties
from beredskab.models import LogEntry
from beredskab.plan import Plan
from playbooks.schema import Playbook


@dataclass(frozen=True, slots=True)
class DutyRow:
    """A §3 duty on the leader's checklist: ticked or not, by whom and when."""

    id: str
    role: str
    text: str
    kind: str
    source: str
    done: bool
    by: str
    at: str


def rows(
    plan: Plan,
    playbook: Playbook | None,
    log: Sequence[LogEntry],
    show: Callable[[datetime | None], str],
) -> tuple[DutyRow, ...]:
    """The playbook's duties with their state read from the log (``show`` formats a time)."""
    labels = plan.labels()  # roles and people by id
    return tuple(
        DutyRow(
            id=s.duty.id,
            role=labels.get(s.duty.role, s.duty.role),
            text=s.duty.text,
            kind=s.duty.kind,
            source=s.duty.source,
            done=s.done,
            by=labels.get(s.tick.actor, s.tick.actor) if s.done and s.tick else "",
            at=show(s.tick.at) if s.done and s.tick else "",
        )
        for s in duties.checklist(playbook, log)
    )
