"""What every bot module shares: Danish error texts and incident lookups."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram.types import CallbackQuery, Message

from beredskab.errors import BeredskabError, InvalidStateError, NotAuthorisedError, NotFoundError
from beredskab.models import Incident

if TYPE_CHECKING:
    from beredskab.app import App

CHANNEL = "telegram"

UNBOUND = "Du er ikke tilknyttet beredskabet endnu. Skriv /start og del dit telefonnummer."
TROUBLE = (
    "Der skete en fejl, så det er ikke sikkert, at noget blev registreret. "
    "Prøv igen om lidt, eller brug SMS til servicenummeret."
)


def danish(error: BeredskabError) -> str:
    """A user error in plain Danish, saying what to do next."""
    if isinstance(error, NotAuthorisedError):
        return (
            "Det må du ikke efter beredskabsplanen. Forsøget er registreret. "
            "Kontakt projektchefen, hvis det er en fejl."
        )
    if isinstance(error, NotFoundError):
        return "Det kunne jeg ikke finde. Tjek nummeret med /status."
    if isinstance(error, InvalidStateError):
        return (
            "Det kan ikke lade sig gøre nu: hændelsen er måske afsluttet, eller det er "
            "allerede gjort. Se /status."
        )
    return "Det lykkedes ikke. Prøv igen, eller brug SMS til servicenummeret."


async def say(event: Message | CallbackQuery, text: str) -> None:
    """Answer a message with a message, a button press with an alert."""
    if isinstance(event, CallbackQuery):
        await event.answer(text[:200], show_alert=True)
    else:
        await event.answer(text)


async def open_incidents(app: App) -> list[Incident]:
    """Open incidents, newest first."""
    async with app.db.transaction() as tx:
        return await tx.incidents.recent(open_only=True)


async def pick_incident(app: App, nr: int | None) -> Incident | str:
    """The incident numbered ``nr`` (or the only open one), or a Danish explanation."""
    if nr is not None:
        async with app.db.transaction() as tx:
            incident = await tx.incidents.get(nr)
        return incident or f"Der er ingen hændelse nummer {nr}. Se /status."
    found = await open_incidents(app)
    if len(found) == 1:
        return found[0]
    if not found:
        return "Der er ingen åbne hændelser."
    numbers = ", ".join(str(i.id) for i in found)
    return f"Der er flere åbne hændelser ({numbers}). Skriv nummeret med, fx /status {found[0].id}."


def number_arg(text: str | None) -> tuple[int | None, bool]:
    """(the number after a command, whether the argument was valid)."""
    args = (text or "").split(maxsplit=1)[1:]
    if not args:
        return None, True
    word = args[0].strip().lstrip("#")
    return (int(word), True) if word.isdigit() else (None, False)
