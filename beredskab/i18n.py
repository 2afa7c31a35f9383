"""Texts the service says to people, in Danish (default) and English."""

from __future__ import annotations

from typing import Literal

Language = Literal["da", "en"]

_TEXTS: dict[str, dict[Language, str]] = {
    "activated": {
        "da": "Hændelse {nr} oprettet: {gruppe}. {participants} deltagere underrettet, "
        "{messages} beskeder i kø.",
        "en": "Incident {nr} opened: {gruppe}. {participants} participants notified, "
        "{messages} messages queued.",
    },
    "joined": {
        "da": "{gruppe} er allerede aktiv som hændelse {nr}; din aktivering er tilføjet den.",
        "en": "{gruppe} is already active as incident {nr}; your activation joined it.",
    },
    "upgraded": {
        "da": "Hændelse {nr} er nu {gruppe}. {participants} nye deltagere underrettet.",
        "en": "Incident {nr} is now {gruppe}. {participants} new participants notified.",
    },
    "acked": {
        "da": "{navn} har bekræftet hændelse {nr}.",
        "en": "{navn} confirmed incident {nr}.",
    },
    "ack_again": {
        "da": "{navn} havde allerede bekræftet hændelse {nr}; intet ændret.",
        "en": "{navn} had already confirmed incident {nr}; nothing changed.",
    },
    "declined": {
        "da": "{navn} kan ikke deltage i hændelse {nr}.",
        "en": "{navn} cannot take part in incident {nr}.",
    },
    "deputy": {
        "da": "Stedfortræder {deputy} er underrettet.",
        "en": "Deputy {deputy} has been notified.",
    },
    "step": {
        "da": "Trin {position} ({titel}) er {status}.",
        "en": "Step {position} ({titel}) is {status}.",
    },
    "task": {
        "da": "Opgave {number} ({target}) er {status}.",
        "en": "Task {number} ({target}) is {status}.",
    },
    "task_same": {
        "da": "Opgave {number} var allerede {status}; intet ændret.",
        "en": "Task {number} was already {status}; nothing changed.",
    },
    "logged": {
        "da": "Post {seq} tilføjet til loggen for hændelse {nr}.",
        "en": "Entry {seq} added to the log of incident {nr}.",
    },
    "closed": {
        "da": "Hændelse {nr} er afblæst. {messages} afblæsningsbeskeder i kø.",
        "en": "Incident {nr} stood down. {messages} stand-down messages queued.",
    },
    "delivered": {
        "da": "{count} beskeder afsendt.",
        "en": "{count} messages sent.",
    },
    "no_incidents": {
        "da": "Ingen hændelser.",
        "en": "No incidents.",
    },
    "error": {"da": "Fejl: {message}", "en": "Error: {message}"},
    "refused": {"da": "Afvist: {message}", "en": "Refused: {message}"},
}


_STATUS: dict[str, dict[Language, str]] = {
    "pending": {"da": "afventer", "en": "pending"},
    "active": {"da": "aktiv", "en": "active"},
    "done": {"da": "udført", "en": "done"},
    "skipped": {"da": "sprunget over", "en": "skipped"},
    "assigned": {"da": "tildelt", "en": "assigned"},
    "accepted": {"da": "påtaget", "en": "accepted"},
    "declined": {"da": "afvist", "en": "declined"},
    "cancelled": {"da": "annulleret", "en": "cancelled"},
    "confirmed": {"da": "bekræftet", "en": "confirmed"},
    "closed": {"da": "afsluttet", "en": "closed"},
}


def status(value: str, language: Language = "da") -> str:
    """A status value (step, task, confirmation, incident) in words."""
    return _STATUS.get(value, {}).get(language, value)


def t(key: str, language: Language = "da", **values: object) -> str:
    """The text for ``key`` in the language, with values filled in."""
    return _TEXTS[key][language].format(**values)
