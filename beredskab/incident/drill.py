"""Drills never touch real incidents: a real activation halts the open drill of its group.

The halt is a stand-down of the drill in the real activation's transaction (the same steps as
``standdown.close``: queued messages expire, open tasks are cancelled, timers are retired, the
incident closes), except that its people get only "ØVELSE AFBRUDT – der er en rigtig
hændelse" and no stand-down message or follow-ups.
"""

from __future__ import annotations

from beredskab.catalog.texts import Texts
from beredskab.incident import messages, situation_log, standdown
from beredskab.models import EntryKind, Incident
from beredskab.plan import Plan
from beredskab.security import audit
from beredskab.storage import Tx
from beredskab.storage.signals import RESIDENTS
from contacts.models import Person

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

HALTED = _t("drill.halted")
"""The reason in the drill's log (the message its participants get: ``messages.DRILL_HALTED``)."""


async def halt(
    tx: Tx, *, plan: Plan, drill: Incident, real: Incident, actor: Person, channel: str
) -> int:
    """Close an open drill because ``real`` was opened; returns the messages queued."""
    asked = {c.person_id for c in await tx.incidents.confirmations(drill.id)}
    recipients, expired, _ = await standdown.wind_down(tx, drill.id)
    reached = asked | recipients
    people = [p for p in plan.directory.people if p.id in reached]
    sent = await messages.send(
        tx,
        incident=drill,
        people=people,
        kind="stand_down",
        message=messages.DRILL_HALTED,
        values={"nr": str(drill.id), "gruppe": drill.playbook_name, "rigtig": str(real.id)},
    )
    await tx.incidents.close(drill.id, by=actor.id, now=tx.now)
    tx.signal(RESIDENTS)  # its resident SMS still queued stop at the outbox's last look
    await tx.timers.cancel_open(drill.id, now=tx.now, outcome="drill halted")
    text = _t(
        "log.drill.closed",
        halted=HALTED,
        real=real.id,
        name=actor.name,
        channel=channel,
        count=len(people),
    )
    if expired:
        text += _t("log.drill.expired", count=expired)
    await situation_log.append(
        tx, incident_id=drill.id, kind=EntryKind.CLOSED, actor=actor.id, text=text
    )
    await situation_log.append(
        tx,
        incident_id=real.id,
        kind=EntryKind.NOTE,
        actor="system",
        text=_t("log.drill.halted", drill=drill.id, count=len(people), halted=HALTED),
    )
    await audit.record(
        tx,
        actor=actor.id,
        action="drill.halt",
        channel=channel,
        incident_id=drill.id,
        detail=f"real incident {real.id}",
    )
    return sent
