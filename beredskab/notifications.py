"""Compose messages from playbook templates and queue them in the outbox.

Every outbound message goes through ``notify``, in the transaction of the change that causes
it, so nothing is sent for a change that did not commit and nothing committed goes unsent.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from beredskab.models import ActionToken, Incident
from beredskab.storage import Tx
from beredskab.storage.repositories.deliveries import NewDelivery
from contacts.directory import Directory
from contacts.models import Person
from notifier.types import ChannelKind
from playbooks.schema import DRILL_PREFIX, DRILL_PREFIX_EN, Playbook, Template, TemplateKind

LOCAL_TZ = ZoneInfo("Europe/Copenhagen")


class _Values(dict[str, str]):
    """Format values that leave unknown placeholders visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill ``{name}`` placeholders. A title on the line just above the description it was
    taken from (``{titel}`` then ``{beskrivelse}``) is said once: as the description."""
    text = template.format_map(_Values(values))
    title, description = values.get("titel", ""), values.get("beskrivelse", "")
    lines = description.strip().splitlines()
    if title and lines and lines[0].strip() == title:
        text = text.replace(f"{title}\n{description}", description)
    return text


def incident_values(incident: Incident, *, directory: Directory, at: datetime) -> dict[str, str]:
    """The placeholder values every template of an incident can use."""
    activator = directory.person(incident.activated_by)
    activated_by = activator.name if activator else incident.activated_by
    return {
        "nr": str(incident.id),
        "gruppe": incident.playbook_name,
        "titel": incident.title,
        "beskrivelse": incident.description or "-",
        "zone": f"zone {incident.zone}" if incident.zone else "hele området",
        "journalnr": incident.police_case or "ikke oplyst",
        "aktiveret_af": activated_by,
        "tid": at.astimezone(LOCAL_TZ).strftime("%H:%M"),
        "kode": str(incident.id),
        "link": "",  # personal acknowledgement links arrive with the web interface
    }


BUTTON_LABELS: dict[str, dict[str, str]] = {
    "ack": {"da": "Modtaget", "en": "Received"},
    "decline": {"da": "Kan ikke", "en": "Cannot come"},
}
"""Labels of the Telegram buttons behind each action, per language."""

CONFIRM_KINDS = frozenset(
    {TemplateKind.ACTIVATION, TemplateKind.ESCALATION, TemplateKind.STAFF_CALLOUT}
)
"""Templates that ask the recipient to confirm: sent on every channel at once, with buttons."""


def person_channels(
    person: Person, telegram_chat: int | None = None
) -> list[tuple[ChannelKind, str]]:
    """The channels a person can be reached on, in preference order (Telegram, SMS, email)."""
    channels: list[tuple[ChannelKind, str]] = []
    if telegram_chat is not None:
        channels.append((ChannelKind.TELEGRAM, str(telegram_chat)))
    if person.phone:
        channels.append((ChannelKind.SMS, person.phone))
    if person.email:
        channels.append((ChannelKind.EMAIL, person.email))
    return channels


def compose(
    template: Template, values: Mapping[str, str], *, drill: bool, language: str = "da"
) -> tuple[str, str, str]:
    """(subject, text, sms text) for one recipient; drills are prefixed with ØVELSE (DRILL)."""
    prefix = (DRILL_PREFIX_EN if language == "en" else DRILL_PREFIX) if drill else ""
    return (
        prefix + render(template.subject, values),
        prefix + render(template.text, values),
        prefix + render(template.sms, values),
    )


def _token_actions(item: NewDelivery) -> list[str]:
    """Tokens a queued message needs: one per Telegram button, one "ack" for an email link
    (the link page both confirms and declines)."""
    actions = item.actions.split()
    if item.channel is ChannelKind.TELEGRAM:
        return actions
    if item.channel is ChannelKind.EMAIL and "ack" in actions:
        return ["ack"]
    return []


async def notify(
    tx: Tx,
    *,
    incident: Incident,
    playbook: Playbook,
    people: Iterable[Person],
    kind: TemplateKind,
    values: Mapping[str, str],
    confirm: bool | None = None,
    call: bool = False,
    extra: str = "",
) -> int:
    """Queue ``kind`` for each person; returns how many messages were queued.

    ``call`` adds a voice call to each person's phone (escalation); ``extra`` is appended
    to the text of every message (e.g. the list of who is still missing).

    Messages that ask for confirmation go out on every channel the person has at once.
    Others go on the person's first channel; the outbox falls back to the next channel when
    one fails or is not confirmed sent in time.
    """
    ask = kind in CONFIRM_KINDS if confirm is None else confirm
    people = list(people)
    chats = await tx.people.telegram_chats(p.id for p in people)
    items: list[NewDelivery] = []
    for person in people:
        channels = person_channels(person, chats.get(person.id))
        if not channels:
            continue
        template, language = playbook.template(kind, person.language)
        personal = {**values, "navn": person.name}
        subject, text, short = compose(template, personal, drill=incident.drill, language=language)
        notification = f"{incident.id}:{person.id}:{kind.value}:{uuid.uuid4().hex[:10]}"
        if extra:
            text, short = f"{text}\n\n{extra}", f"{short} {extra}"
        chosen = channels if ask else channels[:1]
        if call and person.phone:
            chosen = [*chosen, (ChannelKind.VOICE, person.phone)]
        alternates = "" if ask else "\n".join(f"{k.value} {a}" for k, a in channels[1:])
        for channel, address in chosen:
            items.append(
                NewDelivery(
                    incident_id=incident.id,
                    person_id=person.id,
                    channel=channel,
                    address=address,
                    template=kind.value,
                    subject=subject,
                    text=text,
                    short_text=short,
                    notification=notification,
                    policy="all" if ask else "fallback",
                    alternates=alternates,
                    actions="ack decline" if ask else "",
                    language=person.language,
                )
            )
    ids = await tx.deliveries.enqueue(items, now=tx.now)
    await tx.people.add_tokens(
        ActionToken(
            token=secrets.token_urlsafe(16),
            delivery_id=delivery_id,
            incident_id=incident.id,
            person_id=item.person_id,
            action=action,
            label=BUTTON_LABELS[action][item.language],
            created_at=tx.now,
            used_at=None,
        )
        for delivery_id, item in zip(ids, items, strict=True)
        for action in _token_actions(item)
    )
    return len(items)
