"""Compose messages from playbook templates and queue them in the outbox.

Every outbound message goes through ``notify``, in the transaction of the change that causes
it, so nothing is sent for a change that did not commit and nothing committed goes unsent.
"""

from __future__ import annotations

import string
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from beredskab.catalog.texts import Texts
from beredskab.i18n import clock
from beredskab.models import Incident
from beredskab.storage import Tx
from beredskab.storage.repositories.deliveries import NewDelivery
from contacts.directory import Directory
from contacts.models import Person
from notifier.types import ChannelKind
from playbooks.gsm import SEGMENT_SEPTETS, non_gsm, septets
from playbooks.schema import (
    DRILL_PREFIX,
    DRILL_PREFIX_EN,
    PLACEHOLDERS,
    Playbook,
    Template,
    TemplateKind,
)

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

UCS2_CHARS = 70
"""Characters in one SMS segment when the text needs UCS-2 (a character outside GSM-7)."""
INCIDENT_PATH = "/haendelse/{nr}"
"""The incident page of the web interface."""


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


def incident_url(base: str | None, nr: int) -> str:
    """The incident page under the public base URL ("" without one)."""
    return base.rstrip("/") + INCIDENT_PATH.format(nr=nr) if base else ""


def incident_values(
    incident: Incident, *, directory: Directory, at: datetime | None = None
) -> dict[str, str]:
    """The placeholder values every template of an incident can use.

    ``{tid}`` is the activation time in Danish local time, whenever the message is sent (a
    deputy asked 20 minutes later reads when it started); ``at`` (the send time) is accepted
    for callers that pass it and changes nothing. The stand-down message sets ``{tid}`` to
    the time of the stand-down itself.
    """
    activator = directory.person(incident.activated_by)
    activated_by = activator.name if activator else incident.activated_by
    return {
        "nr": str(incident.id),
        "gruppe": incident.playbook_name,
        "titel": incident.title,
        "beskrivelse": incident.description or "-",
        "zone": _t("value.zone", zone=incident.zone) if incident.zone else _t("value.whole_area"),
        "journalnr": incident.police_case or _t("value.not_given"),
        "aktiveret_af": activated_by,
        "tid": clock(incident.created_at, now=at),
        "kode": str(incident.id),
        "link": "",  # personal acknowledgement links arrive with the web interface
    }


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


def fits_one_sms(text: str) -> bool:
    """True if ``text`` is one SMS segment: 160 GSM-7 septets, or 70 characters in UCS-2."""
    if non_gsm(text):
        return len(text) <= UCS2_CHARS
    return septets(text) <= SEGMENT_SEPTETS


def fit_sms(base: str, candidates: Sequence[str]) -> str:
    """``base`` plus the first candidate that keeps it one segment (none if none does)."""
    for candidate in candidates:
        joined = f"{base} {candidate}" if candidate else base
        if fits_one_sms(joined):
            return joined
    return base


def names_with_more(names: Sequence[str], *, lead: str, tail: str = "", more: str) -> list[str]:
    """SMS candidates listing ``names``, longest first: all of them, then fewer with
    "+N flere" (``more`` is the word: "flere"/"more"), then only the count; each
    "<lead> <names>." followed by ``tail`` (e.g. a link)."""
    out: list[str] = []
    most = min(len(names), SEGMENT_SEPTETS // 3)  # more names than this never fit one SMS
    for shown in range(most, -1, -1):
        rest = len(names) - shown
        parts = ", ".join(names[:shown])
        if rest:
            parts = f"{parts} +{rest} {more}" if parts else f"{rest} {more}"
        out.append(" ".join(p for p in (f"{lead} {parts}.", tail) if p))
    return out


def _truncate(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: max(0, limit - 3)].rstrip() + "..."


def _sms_values(template: str, values: Mapping[str, str]) -> dict[str, str]:
    """Values for an SMS variant, each cut to the length its one-segment check assumed."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return {
        **values,
        **{
            n: _truncate(values[n], PLACEHOLDERS[n])
            for n in names
            if n in values and n in PLACEHOLDERS
        },
    }


def compose(
    template: Template, values: Mapping[str, str], *, drill: bool, language: str = "da"
) -> tuple[str, str, str]:
    """(subject, text, sms text) for one recipient; drills are prefixed with ØVELSE (DRILL).

    In the SMS each value is cut to the length ``playbooks.schema.PLACEHOLDERS`` assumes,
    so an SMS the plan check passed stays one segment whatever the values.
    """
    prefix = (DRILL_PREFIX_EN if language == "en" else DRILL_PREFIX) if drill else ""
    return (
        prefix + render(template.subject, values),
        prefix + render(template.text, values),
        prefix + render(template.sms, _sms_values(template.sms, values)),
    )


@dataclass(frozen=True)
class Extra:
    """Text added to one person's message: ``text`` under the long form, and for the SMS
    the first of ``sms`` (longest first) that keeps it one segment."""

    text: str
    sms: tuple[str, ...] = ()
    required: bool = False
    """The SMS must carry it (a task's text, a meeting's time): when no candidate keeps the
    SMS one segment, the shortest is added anyway and the SMS runs longer."""


ExtraFor = Callable[[Person, str], Extra]
"""The extra text for a recipient and the language of their template."""


def notification_key(incident_id: int, person_id: str, kind: TemplateKind, item: str) -> str:
    """``<incident>:<person>:<template>:[<item>:]<random>``: one message to one person."""
    middle = f"{item}:" if item else ""
    return f"{incident_id}:{person_id}:{kind.value}:{middle}{uuid.uuid4().hex[:10]}"


def item_of(notification: str) -> str:
    """The ``item`` a notification key names ("" if none)."""
    parts = notification.split(":")
    return parts[3] if len(parts) == 5 else ""


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
    extra: ExtraFor | None = None,
    values_en: Mapping[str, str] | None = None,
    item: str = "",
) -> int:
    """Queue ``kind`` for each person; returns how many messages were queued.

    ``call`` adds a voice call to each person's phone (escalation); ``extra`` gives the text
    added to each person's message (e.g. the list of who is still missing), fitted to one
    SMS segment; ``values_en`` override ``values`` where the English template is used;
    ``item`` names what a reminder is about (it is part of the notification key, see
    ``incident.reminders``).

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
        local = {**values, **(values_en or {})} if language == "en" else values
        personal = {**local, "navn": person.name}
        subject, text, short = compose(template, personal, drill=incident.drill, language=language)
        notification = notification_key(incident.id, person.id, kind, item)
        if extra is not None:
            added = extra(person, language)
            fitted = fit_sms(short, added.sms)
            if fitted == short and added.required and added.sms:
                fitted = f"{short} {added.sms[-1]}"
            text, short = f"{text}\n\n{added.text}", fitted
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
    # The buttons and the email link of these rows are derived from their ids when they are
    # sent (security.action_tokens): nothing else to store.
    await tx.deliveries.enqueue(items, now=tx.now)
    return len(items)
