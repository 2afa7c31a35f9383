"""The stand-down message to everyone who was told: one chunk of people at a time.

``standdown.close`` tells the first chunk in the closing transaction and hands the rest to a
fan-out (``incident.fanout``, kind ``KIND``), whose follow-up transactions call ``tell`` for
the next chunk after the incident is closed. The texts of that fan-out's log entries are
here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from beredskab.catalog.texts import Texts
from beredskab.delivery.notifications import incident_values, notify
from beredskab.i18n import clock
from beredskab.models import Incident
from beredskab.plan import Plan
from beredskab.storage import Tx
from beredskab.storage.repositories.fanouts import Fanout
from contacts.models import Person
from playbooks.schema import Playbook, TemplateKind

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

KIND = "stand_down"
"""The fan-out kind of a stand-down's messages (``incident.fanout``)."""


def values(plan: Plan, incident: Incident, *, at: datetime) -> dict[str, str]:
    """The stand-down template's values: ``{tid}`` is when it ended (``at``, the close)."""
    return {**incident_values(incident, directory=plan.directory), "tid": clock(at, now=at)}


async def tell(
    tx: Tx,
    *,
    plan: Plan,
    playbook: Playbook,
    incident: Incident,
    people: Sequence[Person],
    at: datetime,
) -> int:
    """Queue the stand-down message for ``people`` (closed at ``at``); returns the messages
    queued (one per person who has a channel: the outbox falls back to the next)."""
    if not people:
        return 0
    return await notify(
        tx,
        incident=incident,
        playbook=playbook,
        people=people,
        kind=TemplateKind.STAND_DOWN,
        values=values(plan, incident, at=at),
    )


async def planned(tx: Tx, people: Sequence[Person]) -> int:
    """How many stand-down messages ``tell`` will queue for ``people``: one for each who
    has a phone, an email address or a linked Telegram chat (a read, no write)."""
    with_address = sum(1 for p in people if p.phone or p.email)
    others = [p.id for p in people if not (p.phone or p.email)]
    return with_address + len(await tx.people.telegram_chats(others))


def finished_text(fanout: Fanout) -> str:
    """The log entry when the last stand-down message of a large incident is queued."""
    text = _t(
        "log.standdown.fanout_finished",
        reached=fanout.reached,
        messages=fanout.messages,
        chunks=fanout.chunks,
    )
    skipped = fanout.total - fanout.reached
    if skipped:
        text += _t("log.standdown.fanout_skipped", count=skipped)
    return text


def stopped_text(fanout: Fanout, why: str) -> str:
    """The log entry when the stand-down messages stop before everyone has one."""
    left = fanout.total - fanout.done
    return _t("log.standdown.fanout_stopped", why=why, reached=fanout.reached, left=left)
