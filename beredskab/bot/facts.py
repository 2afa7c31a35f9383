"""/journal, /zone and /beskrivelse: correct an open incident's facts from Telegram.

``/journal NR JOURNALNR``, ``/zone NR ZONE`` (1-4) and ``/beskrivelse NR TEKST`` call
``beredskab.incident.facts.set_facts``; the use case decides who may (refusals are audited)
and writes the correction entries. Other errors reach ``bot.errors``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from beredskab import i18n
from beredskab.bot.common import CHANNEL
from beredskab.bot.texts import t
from beredskab.boundary import bounds
from beredskab.boundary.bounds import InputRefusedError
from beredskab.i18n import Language
from beredskab.incident import facts
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.services import Services

_USAGE = {
    facts.POLICE_CASE: "facts.usage_journal",
    facts.ZONE: "facts.usage_zone",
    facts.DESCRIPTION: "facts.usage_description",
}


def _split(args: str) -> tuple[int | None, str]:
    """(the incident number, the rest) of ``/cmd NR rest``; None when NR is not a number."""
    parts = args.strip().split(maxsplit=1)
    if not parts:
        return None, ""
    return bounds.parse_id(parts[0].lstrip("#")), parts[1].strip() if len(parts) > 1 else ""


async def _correct(
    message: Message, app: Services, person: Person, language: Language, fact: str, raw: str
) -> None:
    nr, value = _split(raw)
    zone: int | None = None
    if fact == facts.ZONE:
        zone = bounds.parse_id(value) if value else None
        value = value if zone is not None else ""
    if nr is None or not value:
        await message.answer(t(_USAGE[fact], language))
        return
    try:
        result = await facts.set_facts(
            db=app.db,
            plan=app.plan,
            incident_id=nr,
            actor_id=person.id,
            channel=CHANNEL,
            police_case=value if fact == facts.POLICE_CASE else None,
            zone=zone,
            description=value if fact == facts.DESCRIPTION else None,
        )
    except facts.NoPoliceCaseError:
        async with app.db.transaction() as tx:
            incident = await tx.incidents.get(nr)
        name = incident.playbook_name if incident else ""
        await message.answer(t("facts.no_case", language, nr=nr, gruppe=name))
        return
    except InputRefusedError:
        await message.answer(t(_USAGE[fact], language))
        return
    if not result.changed:
        await message.answer(i18n.t("facts_unchanged", language, nr=nr))
        return
    await message.answer(
        i18n.t("facts_changed", language, nr=nr, facts=i18n.fact_word(fact, language))
        + "\n"
        + facts.facts_line(app.plan, result.incident, language)
    )


async def journal(
    message: Message, command: CommandObject, app: Services, person: Person, language: Language
) -> None:
    """/journal NR JOURNALNR: set or correct the police journal number."""
    await _correct(message, app, person, language, facts.POLICE_CASE, command.args or "")


async def zone(
    message: Message, command: CommandObject, app: Services, person: Person, language: Language
) -> None:
    """/zone NR ZONE: correct the zone (1-4)."""
    await _correct(message, app, person, language, facts.ZONE, command.args or "")


async def description(
    message: Message, command: CommandObject, app: Services, person: Person, language: Language
) -> None:
    """/beskrivelse NR TEKST: correct the description (the title follows its first line)."""
    await _correct(message, app, person, language, facts.DESCRIPTION, command.args or "")


def build() -> Router:
    """This module's router, new for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(journal, Command("journal", "journalnr"))
    router.message.register(zone, Command("zone"))
    router.message.register(description, Command("beskrivelse", "description"))
    return router
