"""Fixed-text messages of the incident rules (not playbook templates), in Danish and English.

The activator's own receipt, ØVELSE AFBRUDT to the participants of a halted drill, the
upgrade notice and the police-case reminder. Each goes to the person's first channel and
falls back to the next through the outbox, like every message that asks for no reply.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from beredskab.catalog.texts import Texts
from beredskab.delivery.notifications import person_channels, render
from beredskab.i18n import Language
from beredskab.models import Incident
from beredskab.storage import Tx
from beredskab.storage.repositories.deliveries import NewDelivery
from contacts.models import Person
from playbooks.schema import DRILL_PREFIX, DRILL_PREFIX_EN

_t = Texts("incident")
"""The incident domain of the catalog: each message is ``message.<name>.subject|text|sms``."""

_t.mark(
    "message.activator.subject",
    "message.activator.text",
    "message.activator.sms",
    "message.drill_halted.subject",
    "message.drill_halted.text",
    "message.drill_halted.sms",
    "message.upgraded.subject",
    "message.upgraded.text",
    "message.upgraded.sms",
    "message.police_case_reminder.subject",
    "message.police_case_reminder.text",
    "message.police_case_reminder.sms",
)
ACTIVATOR = "activator"
"""The activator's own receipt."""
DRILL_HALTED = "drill_halted"
"""ØVELSE AFBRUDT to the participants of a halted drill."""
UPGRADED = "upgraded"
"""The upgrade notice to those already notified."""
POLICE_CASE_REMINDER = "police_case_reminder"
"""The reminder while the police journal number is missing."""


def upgrade_line(language: str, values: Mapping[str, str]) -> str:
    """The line put before the group-2 activation request of those asked at the upgrade."""
    return render(_t.raw("message.upgrade_line", language), values)


def parts(message: str, language: Language, values: Mapping[str, str]) -> tuple[str, str, str]:
    """(subject, text, sms text) of a fixed-text message, filled in ``language``."""
    return (
        render(_t.raw(f"message.{message}.subject", language), values),
        render(_t.raw(f"message.{message}.text", language), values),
        render(_t.raw(f"message.{message}.sms", language), values),
    )


async def send(
    tx: Tx,
    *,
    incident: Incident,
    people: Iterable[Person],
    kind: str,
    message: str,
    values: Mapping[str, str],
    drill_prefix: bool = False,
) -> int:
    """Queue one fixed-text message per person (first channel, fallback to the next);
    returns how many were queued. ``message`` names the text (``ACTIVATOR`` …); ``kind`` is
    stored as the outbox row's template."""
    people = list(dict.fromkeys(people))
    chats = await tx.people.telegram_chats(p.id for p in people)
    items: list[NewDelivery] = []
    for person in people:
        channels = person_channels(person, chats.get(person.id))
        if not channels:
            continue
        language: Language = "en" if person.language == "en" else "da"
        prefix = (DRILL_PREFIX_EN if language == "en" else DRILL_PREFIX) if drill_prefix else ""
        personal = {**values, "navn": person.name}
        subject, text, short = (prefix + part for part in parts(message, language, personal))
        (channel, address), rest = channels[0], channels[1:]
        items.append(
            NewDelivery(
                incident_id=incident.id,
                person_id=person.id,
                channel=channel,
                address=address,
                template=kind,
                subject=subject,
                text=text,
                short_text=short,
                notification=f"{incident.id}:{person.id}:{kind}:{uuid.uuid4().hex[:10]}",
                policy="fallback",
                alternates="\n".join(f"{k.value} {a}" for k, a in rest),
                language=person.language,
            )
        )
    await tx.deliveries.enqueue(items, now=tx.now)
    return len(items)
