"""The playbook's duties (source plan §3-§5) as the leader's checklist within an incident.

The leader ticks a duty when it is taken care of and may untick it again. Each tick is a
``duty`` entry in the situation log, written in the same transaction, and the checklist's
state is read back from those entries (the newest entry per duty wins), so it needs no table
of its own and shows in the log, the report and the live page's fingerprint at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from beredskab.catalog.texts import Texts
from beredskab.errors import NotFoundError, Phrase
from beredskab.incident import situation_log
from beredskab.incident.lookup import playbook_of, require_open
from beredskab.models import EntryKind, LogEntry
from beredskab.plan import Plan
from beredskab.security import access, audit
from beredskab.storage import Database
from playbooks.schema import Duty, Playbook

_t = Texts("incident")
"""The log's texts, in Danish (the markers below are read back from the log: never change
their Danish text)."""

TICKED = _t("log.duty.ticked")
UNTICKED = _t("log.duty.unticked")
_ENTRY = re.compile(
    rf"^({re.escape(TICKED)}|{re.escape(UNTICKED)}) \(([a-z0-9][a-z0-9-]{{0,63}})\): "
)
DUTY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True)
class Tick:
    """The newest tick or untick of one duty."""

    duty_id: str
    done: bool
    actor: str
    at: datetime
    seq: int
    text: str
    """The duty's text as the entry recorded it."""


@dataclass(frozen=True)
class DutyState:
    """A duty of the playbook and whether the leader has ticked it."""

    duty: Duty
    tick: Tick | None

    @property
    def done(self) -> bool:
        """Ticked and not unticked since."""
        return self.tick is not None and self.tick.done


@dataclass(frozen=True)
class DutyChange:
    """What ``set_duty`` did: the duty's state now and whether this call changed it."""

    state: DutyState
    changed: bool
    entry: LogEntry | None


def entry_text(duty: Duty, *, done: bool) -> str:
    """The log entry for a tick ("Pligt afkrydset (id): text") or an untick."""
    marker = TICKED if done else UNTICKED
    return _t("log.duty.entry", marker=marker, duty=duty.id, text=" ".join(duty.text.split()))


def ticks(log: Sequence[LogEntry]) -> dict[str, Tick]:
    """The newest tick per duty id, read from the ``duty`` entries of a log."""
    found: dict[str, Tick] = {}
    for entry in log:
        if entry.kind is not EntryKind.DUTY:
            continue
        match = _ENTRY.match(entry.text)
        if match is None:
            continue
        found[match.group(2)] = Tick(
            duty_id=match.group(2),
            done=match.group(1) == TICKED,
            actor=entry.actor,
            at=entry.created_at,
            seq=entry.seq,
            text=entry.text[match.end() :],
        )
    return found


def checklist(playbook: Playbook | None, log: Sequence[LogEntry]) -> tuple[DutyState, ...]:
    """Every duty of the playbook in plan order, with its state from the log."""
    if playbook is None:
        return ()
    found = ticks(log)
    return tuple(DutyState(duty=d, tick=found.get(d.id)) for d in playbook.duties)


async def set_duty(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    duty_id: str,
    done: bool,
    actor_id: str,
    channel: str,
) -> DutyChange:
    """The leader ticks (``done=True``) or unticks a duty of an open incident.

    Idempotent: setting the state it already has writes nothing. Anyone but the playbook's
    leader is refused (and audited).
    """
    actor = access.person(plan, actor_id)
    async with access.audited(db), db.transaction() as tx:
        incident = await require_open(tx, incident_id)
        playbook = playbook_of(plan, incident)
        duty = next((d for d in playbook.duties if d.id == duty_id), None)
        if duty is None or not DUTY_ID.match(duty_id):
            raise NotFoundError(
                "incident {nr} has no duty '{duty}'; its duties are: {duties}",
                nr=incident_id,
                duty=duty_id[:64],
                duties=", ".join(d.id for d in playbook.duties),
            )
        verb = "tick" if done else "untick"
        access.require_role(
            actor,
            [playbook.leader_role],
            action=f"duty.{verb}",
            channel=channel,
            what=Phrase("tick the duties of incident {nr}", nr=incident_id),
            incident_id=incident_id,
        )
        current = ticks(await tx.log.list(incident_id)).get(duty.id)
        if (current is not None and current.done) == done:
            return DutyChange(state=DutyState(duty, current), changed=False, entry=None)
        entry = await situation_log.append(
            tx,
            incident_id=incident_id,
            kind=EntryKind.DUTY,
            actor=actor.id,
            text=entry_text(duty, done=done),
        )
        await audit.record(
            tx,
            actor=actor.id,
            action=f"duty.{verb}",
            channel=channel,
            incident_id=incident_id,
            detail=f"duty {duty.id}",
        )
    tick = Tick(
        duty_id=duty.id,
        done=done,
        actor=actor.id,
        at=entry.created_at,
        seq=entry.seq,
        text=" ".join(duty.text.split()),
    )
    return DutyChange(state=DutyState(duty, tick), changed=True, entry=entry)
