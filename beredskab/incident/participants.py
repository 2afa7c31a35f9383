"""Asking a playbook's participants to confirm: one chunk of people at a time.

The activation asks the first chunk in its own transaction and hands the rest to a fan-out
(``incident.fanout``), whose follow-up transactions call ``ask`` for the next chunk; the
texts of the fan-out's log entries are here too.
"""

from __future__ import annotations

from collections.abc import Sequence

from beredskab.catalog.texts import Texts
from beredskab.delivery.notifications import incident_values, notify
from beredskab.incident import escalation
from beredskab.models import Incident
from beredskab.plan import Plan
from beredskab.storage import Tx
from beredskab.storage.repositories.fanouts import Fanout
from contacts.models import Person
from playbooks.schema import Playbook, TemplateKind

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

KIND = "activation"
"""The fan-out kind of an activation's participants (``incident.fanout``)."""


async def ask(
    tx: Tx,
    *,
    plan: Plan,
    playbook: Playbook,
    incident: Incident,
    people: Sequence[Person],
    kind: TemplateKind = TemplateKind.ACTIVATION,
    new_incident: bool = False,
) -> tuple[list[Person], int]:
    """Ask those of ``people`` not asked for ``playbook`` yet to confirm: their confirmation
    rows, the activation alert on every channel, their escalation timers. Returns who was
    newly asked and how many messages were queued. Someone a step already asked to confirm
    (a callout the activation's first step sent before a fan-out reached them) still gets
    the alert while their answer is pending; nobody gets an activation request twice.
    ``new_incident``: the incident's own activation, before anyone else is in it."""
    added = set(
        await tx.incidents.ask_for_playbook(
            incident.id,
            [p.id for p in people],
            playbook_id=playbook.id,
            now=tx.now,
            new_incident=new_incident,
        )
    )
    new = [p for p in people if p.id in added]
    if not new:
        return [], 0
    values = incident_values(incident, directory=plan.directory, at=tx.now)
    messages = await notify(
        tx, incident=incident, playbook=playbook, people=new, kind=kind, values=values
    )
    await escalation.schedule_confirmations(
        tx, playbook=playbook, incident=incident, people=new, new_incident=new_incident
    )
    return new, messages


def streaming_text(*, pending: int, chunk: int) -> str:
    """The first log entry's note that the rest follow."""
    return _t("log.activation.streaming", count=pending, chunk=chunk)


def finished_text(fanout: Fanout) -> str:
    """The log entry when every participant has been handled."""
    text = _t(
        "log.activation.fanout_finished",
        reached=fanout.reached,
        messages=fanout.messages,
        chunks=fanout.chunks,
    )
    skipped = fanout.total - fanout.reached
    if skipped:
        text += _t("log.activation.fanout_skipped", count=skipped)
    return text


def stopped_text(fanout: Fanout, why: str) -> str:
    """The log entry when the fan-out stops before everyone is reached."""
    left = fanout.total - fanout.done
    return _t("log.activation.fanout_stopped", why=why, reached=fanout.reached, left=left)
