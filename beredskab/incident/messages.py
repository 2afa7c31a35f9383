"""Fixed-text messages of the incident rules (not playbook templates), in Danish and English.

The activator's own receipt, ØVELSE AFBRUDT to the participants of a halted drill, the
upgrade notice and the police-case reminder. Each goes to the person's first channel and
falls back to the next through the outbox, like every message that asks for no reply.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from beredskab.i18n import Language
from beredskab.models import Incident
from beredskab.notifications import person_channels, render
from beredskab.storage import Tx
from beredskab.storage.repositories.deliveries import NewDelivery
from contacts.models import Person
from playbooks.schema import DRILL_PREFIX, DRILL_PREFIX_EN

Texts = dict[Language, tuple[str, str, str]]
"""Per language: (subject, text, sms text)."""

ACTIVATOR: Texts = {
    "da": (
        "{gruppe} aktiveret - hændelse {nr}",
        "Hej {navn}\n\nDu har aktiveret {gruppe} kl. {tid} (hændelse {nr}).\n"
        "Politiets journalnummer: {journalnr}\nOmråde: {zone}\n\n{titel}\n{beskrivelse}\n\n"
        "Du er registreret som bekræftet og skal ikke svare på denne besked.",
        "Du har aktiveret {gruppe} kl. {tid}: hændelse {nr}, {zone}. "
        "Du er registreret som bekræftet. Du skal ikke svare.",
    ),
    "en": (
        "{gruppe} activated - incident {nr}",
        "Hello {navn}\n\nYou activated {gruppe} at {tid} (incident {nr}).\n"
        "Police case number: {journalnr}\nArea: {zone}\n\n{titel}\n{beskrivelse}\n\n"
        "You are recorded as confirmed and need not reply to this message.",
        "You activated {gruppe} at {tid}: incident {nr}, {zone}. "
        "You are recorded as confirmed. No reply needed.",
    ),
}

DRILL_HALTED: Texts = {
    "da": (
        "ØVELSE AFBRUDT - der er en rigtig hændelse",
        "Hej {navn}\n\nØVELSE AFBRUDT – der er en rigtig hændelse.\n"
        "Øvelsen (hændelse {nr}, {gruppe}) er stoppet, fordi {gruppe} er aktiveret for alvor "
        "(hændelse {rigtig}). Alt fra øvelsen er annulleret. Følg beskederne om den rigtige "
        "hændelse.",
        "ØVELSE AFBRUDT - der er en rigtig hændelse ({rigtig}). Øvelse {nr} er stoppet. "
        "Følg beskederne om den rigtige hændelse.",
    ),
    "en": (
        "DRILL HALTED - there is a real incident",
        "Hello {navn}\n\nDRILL HALTED – there is a real incident.\n"
        "The drill (incident {nr}, {gruppe}) has stopped because {gruppe} was activated for "
        "real (incident {rigtig}). Everything from the drill is cancelled. Follow the messages "
        "about the real incident.",
        "DRILL HALTED - there is a real incident ({rigtig}). Drill {nr} has stopped. "
        "Follow the messages about the real incident.",
    ),
}

UPGRADED: Texts = {
    "da": (
        "Hændelse {nr} er opgraderet til {gruppe}",
        "Hej {navn}\n\nHændelse {nr} ({titel}) er opgraderet fra {fra} til {gruppe} af "
        "{af} kl. {tid}.\nPolitiets journalnummer: {journalnr}\n\n"
        "Parterne følger nu Politiets anvisninger. Du skal ikke svare på denne besked.",
        "Hændelse {nr} er opgraderet til {gruppe} kl. {tid}. Politisag {journalnr}. "
        "Du skal ikke svare.",
    ),
    "en": (
        "Incident {nr} upgraded to {gruppe}",
        "Hello {navn}\n\nIncident {nr} ({titel}) was upgraded from {fra} to {gruppe} by "
        "{af} at {tid}.\nPolice case number: {journalnr}\n\n"
        "The parties now follow the instructions of the police. No reply needed.",
        "Incident {nr} upgraded to {gruppe} at {tid}. Police case {journalnr}. No reply needed.",
    ),
}

UPGRADE_LINE: dict[Language, str] = {
    "da": "Hændelse {nr} er opgraderet fra {fra} til {gruppe}. Politisag {journalnr}.",
    "en": "Incident {nr} was upgraded from {fra} to {gruppe}. Police case {journalnr}.",
}
"""Put before the group-2 activation request of those asked at the upgrade."""

POLICE_CASE_REMINDER: Texts = {
    "da": (
        "Hændelse {nr}: Politiets journalnummer mangler",
        "Hej {navn}\n\nHændelse {nr} ({gruppe}, {titel}) mangler stadig Politiets "
        "journalnummer. Send det på SMS: JOURNAL {nr} <journalnr>, eller skriv det på "
        "hændelsens side. Påmindelsen gentages, til nummeret er registreret.",
        "Hændelse {nr} mangler Politiets journalnr. Send JOURNAL {nr} <journalnr>.",
    ),
    "en": (
        "Incident {nr}: the police case number is missing",
        "Hello {navn}\n\nIncident {nr} ({gruppe}, {titel}) still has no police case number. "
        "Send it by SMS: JOURNAL {nr} <case number>, or enter it on the incident page. "
        "This reminder repeats until the number is recorded.",
        "Incident {nr} has no police case number. Send JOURNAL {nr} <case number>.",
    ),
}


def render_line(line: dict[Language, str], language: str, values: Mapping[str, str]) -> str:
    """One line of ``line`` in the reader's language."""
    return render(line["en" if language == "en" else "da"], values)


async def send(
    tx: Tx,
    *,
    incident: Incident,
    people: Iterable[Person],
    kind: str,
    texts: Texts,
    values: Mapping[str, str],
    drill_prefix: bool = False,
) -> int:
    """Queue one fixed-text message per person (first channel, fallback to the next);
    returns how many were queued. ``kind`` is stored as the outbox row's template."""
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
        subject, text, short = (prefix + render(part, personal) for part in texts[language])
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
